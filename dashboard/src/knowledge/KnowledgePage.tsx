import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { Icon } from '../components/Icon'
import { formatDateTime } from '../format'
import type { Workspace } from '../models/workspace'
import { useStore } from '../store'
import { errorText, notify } from '../toasts'
import { ACCEPT, formatBytes, MAX_UPLOAD_BYTES, type KnowledgeDocument, type Passage } from './api'
import './knowledge.css'
import { KnowledgeModel, progressPercent, type Upload } from './model'

/** What the assistant knows: the shop's documents (upload, status, preview, replace, delete) and a box to
 * try a question and see the passages the assistant would use. Owners and admins change documents; every
 * member can look and try questions. */
export function KnowledgePage({ workspace }: { workspace: Workspace }) {
  const model = useMemo(() => new KnowledgeModel(workspace), [workspace])
  useEffect(() => {
    model.start()
    return () => model.dispose()
  }, [model])
  const state = useStore(model.state)

  return (
    <main class="knowledge" data-testid="knowledge-page" aria-labelledby="knowledge-heading">
      <header class="knowledge__head">
        <h1 id="knowledge-heading">Knowledge</h1>
        <p class="muted">
          The assistant answers policy and product questions from these documents, and says when they do not
          cover a question instead of guessing.
        </p>
      </header>
      <div class="knowledge__grid">
        <section class="knowledge__docs" aria-labelledby="documents-heading">
          <div class="knowledge__section-head">
            <h2 id="documents-heading">Documents</h2>
            {model.canEdit && <UploadButton model={model} />}
          </div>
          {state.uploads.map((upload) => (
            <UploadRow key={upload.key} upload={upload} onDismiss={() => model.dismissUpload(upload.key)} />
          ))}
          {state.error && (
            <p class="alert" role="alert" data-testid="knowledge-error">
              {state.error}
            </p>
          )}
          {state.documents === null && !state.error && <p class="muted">Loading documents…</p>}
          {state.documents?.length === 0 && (
            <p class="knowledge__empty" data-testid="knowledge-empty">
              No documents yet. {model.canEdit ? 'Upload' : 'An owner or admin can upload'} the return policy, a
              shipping table, an FAQ or a photo of a price list: PDF, Word (.docx), text or image, up to{' '}
              {formatBytes(MAX_UPLOAD_BYTES)}.
            </p>
          )}
          <ul class="knowledge__list">
            {state.documents?.map((doc) => (
              <DocumentRow key={doc.id} doc={doc} model={model} />
            ))}
          </ul>
        </section>
        <TryQuestion model={model} />
      </div>
    </main>
  )
}

function UploadButton({ model }: { model: KnowledgeModel }) {
  const input = useRef<HTMLInputElement>(null)
  return (
    <>
      <input
        ref={input}
        type="file"
        accept={ACCEPT}
        class="visually-hidden"
        data-testid="knowledge-upload-input"
        aria-label="Upload a document"
        onChange={(event) => {
          const target = event.target as HTMLInputElement
          const file = target.files?.[0]
          target.value = ''
          if (file) void model.upload(file)
        }}
      />
      <button type="button" class="button button--primary" onClick={() => input.current?.click()}>
        <Icon name="paperclip" size={15} />
        Upload a document
      </button>
    </>
  )
}

function UploadRow({ upload, onDismiss }: { upload: Upload; onDismiss: () => void }) {
  const percent = Math.round(upload.progress * 100)
  return (
    <div class={`upload ${upload.error ? 'upload--failed' : ''}`} data-testid="knowledge-upload">
      <div class="upload__line">
        <Icon name={upload.error ? 'alert' : 'paperclip'} size={14} />
        <span class="upload__name">{upload.filename}</span>
        {upload.error ? (
          <button type="button" class="button button--ghost button--small" onClick={onDismiss}>
            Dismiss
          </button>
        ) : (
          <span class="muted">{percent < 100 ? `Uploading ${percent}%` : 'Checking the file…'}</span>
        )}
      </div>
      {upload.error ? (
        <p class="upload__error" role="alert" data-testid="knowledge-upload-error">
          {upload.error}
        </p>
      ) : (
        <progress class="upload__bar" max={100} value={percent} aria-label={`Uploading ${upload.filename}`} />
      )}
    </div>
  )
}

const STATUS_LABELS: Record<KnowledgeDocument['status'], string> = {
  processing: 'Processing…',
  ready: 'Ready',
  failed: 'Failed',
}

/** "Processing 37 %" once the document is read and its passages are being stored. */
function statusLabel(doc: KnowledgeDocument): string {
  const percent = progressPercent(doc)
  return percent === null ? (STATUS_LABELS[doc.status] ?? doc.status) : `Processing ${percent} %`
}

function DocumentRow({ doc, model }: { doc: KnowledgeDocument; model: KnowledgeModel }) {
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const replaceInput = useRef<HTMLInputElement>(null)

  const remove = async () => {
    setBusy(true)
    try {
      await model.remove(doc.id)
      notify('success', `“${doc.title || doc.filename}” deleted`)
    } catch (error) {
      notify('error', `Could not delete “${doc.title || doc.filename}”: ${errorText(error)}`)
      setBusy(false)
      setConfirming(false)
    }
  }

  const facts = [
    doc.filename,
    formatBytes(doc.size_bytes),
    doc.pages ? `${doc.pages} ${doc.pages === 1 ? 'page' : 'pages'}` : '',
    doc.status === 'ready' && doc.chunk_count !== null ? `${doc.chunk_count} ${doc.chunk_count === 1 ? 'passage' : 'passages'}` : '',
    `updated ${formatDateTime(doc.updated_at ?? doc.created_at)}`,
  ].filter(Boolean)

  return (
    <li class="doc" data-testid="knowledge-document" data-document-id={doc.id} data-status={doc.status}>
      <div class="doc__head">
        <span class="doc__title">{doc.title || doc.filename}</span>
        <span class={`doc__status doc__status--${doc.status}`} data-testid="document-status">
          {doc.status === 'processing' && <span class="spinner" aria-hidden="true" />}
          {statusLabel(doc)}
        </span>
      </div>
      <p class="doc__facts muted">{facts.join(' · ')}</p>
      {doc.status === 'failed' && (
        <p class="doc__error" data-testid="document-error">
          {doc.error || 'The document could not be read.'}
        </p>
      )}
      {doc.text_preview && (
        <details class="doc__preview">
          <summary>Extracted text</summary>
          <pre data-testid="document-preview">{doc.text_preview}</pre>
        </details>
      )}
      {model.canEdit && (
        <div class="doc__actions">
          <input
            ref={replaceInput}
            type="file"
            accept={ACCEPT}
            class="visually-hidden"
            data-testid="document-replace-input"
            aria-label={`Replace ${doc.title || doc.filename}`}
            onChange={(event) => {
              const target = event.target as HTMLInputElement
              const file = target.files?.[0]
              target.value = ''
              if (file) void model.upload(file, doc.id)
            }}
          />
          <button
            type="button"
            class="button button--small"
            onClick={() => replaceInput.current?.click()}
            disabled={busy || doc.status === 'processing'}
          >
            Replace
          </button>
          {confirming ? (
            <>
              <span class="doc__confirm">Delete it? The assistant stops using it at once.</span>
              <button
                type="button"
                class="button button--small button--danger"
                data-testid="document-delete-confirm"
                disabled={busy}
                onClick={() => void remove()}
              >
                Delete
              </button>
              <button type="button" class="button button--small button--ghost" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </>
          ) : (
            <button
              type="button"
              class="button button--small button--ghost"
              data-testid="document-delete"
              onClick={() => setConfirming(true)}
            >
              Delete…
            </button>
          )}
        </div>
      )}
    </li>
  )
}

function TryQuestion({ model }: { model: KnowledgeModel }) {
  const search = useStore(model.search)
  const [question, setQuestion] = useState('')
  return (
    <section class="knowledge__try" aria-labelledby="try-heading">
      <h2 id="try-heading">Try a question</h2>
      <p class="muted">Ask as a customer would: you see the passages the assistant would answer from.</p>
      <form
        class="try__form"
        onSubmit={(event) => {
          event.preventDefault()
          void model.ask(question)
        }}
      >
        <label class="visually-hidden" for="knowledge-question">
          Question
        </label>
        <input
          id="knowledge-question"
          type="search"
          class="try__input"
          data-testid="knowledge-question"
          placeholder="e.g. Bisa retur kalau ukurannya salah?"
          value={question}
          maxLength={500}
          onInput={(event) => setQuestion((event.target as HTMLInputElement).value)}
        />
        <button
          type="submit"
          class="button button--primary"
          data-testid="knowledge-ask"
          disabled={search.busy || question.trim() === ''}
        >
          <Icon name="search" size={15} />
          Find passages
        </button>
      </form>
      {search.error && (
        <p class="alert" role="alert">
          {search.error}
        </p>
      )}
      {search.busy && <p class="muted">Searching…</p>}
      {search.passages !== null && (
        <div data-testid="knowledge-results" aria-live="polite">
          {search.passages.length === 0 ? (
            <p class="knowledge__empty" data-testid="knowledge-no-passage">
              No passage answers “{search.question}”. The assistant would say it does not know and offer a person.
            </p>
          ) : (
            <ol class="passages">
              {search.passages.map((passage, i) => (
                <PassageItem key={`${passage.document_id}-${i}`} passage={passage} />
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  )
}

function PassageItem({ passage }: { passage: Passage }) {
  const where = [passage.heading, passage.page ? `page ${passage.page}` : null].filter(Boolean).join(' · ')
  return (
    <li class="passage" data-testid="knowledge-passage" data-document-id={passage.document_id}>
      <div class="passage__head">
        <span class="passage__title">{passage.title}</span>
        <span class="passage__score" title="How close the passage is to the question (higher is closer)">
          {passage.score.toFixed(3)}
        </span>
      </div>
      {where && <p class="passage__where muted">{where}</p>}
      <blockquote class="passage__text">{passage.content}</blockquote>
    </li>
  )
}
