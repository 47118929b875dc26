/** The knowledge routes of Sapa's API: /api/stores/{store_id}/knowledge (list, upload, delete, test search). */
import { ApiError, errorText, parseJson, type SapaApi } from '../api'

export type DocumentStatus = 'processing' | 'ready' | 'failed'

export interface KnowledgeDocument {
  id: string
  title: string
  filename: string
  content_type: string | null
  size_bytes: number | null
  status: DocumentStatus
  /** Why processing failed, in plain words. */
  error: string | null
  pages: number | null
  text_preview: string | null
  chunk_count: number | null
  /** Passages the document has once read, and how many are stored: the progress while processing. */
  chunks_total: number | null
  chunks_done: number | null
  created_at: string
  updated_at: string | null
}

export interface Passage {
  document_id: string
  title: string
  heading: string | null
  page: number | null
  content: string
  score: number
}

export interface UploadOptions {
  title?: string
  /** The document this file replaces: the old one is removed once the new one is ready. */
  replaces?: string
}

/** Types the API accepts, for the file picker (the API checks again, by content). */
export const ACCEPT =
  '.pdf,.docx,.txt,.md,.png,.jpg,.jpeg,.webp,application/pdf,' +
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/plain,text/markdown,image/png,image/jpeg,image/webp'

/** The API's upload limit, checked here too so a huge file is refused before it is sent. Keep equal to
 * sapa.knowledge.limits.MAX_UPLOAD_BYTES (the API answers 413 above it either way). */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024

export class KnowledgeApi {
  constructor(private readonly api: SapaApi) {}

  async list(storeId: string): Promise<KnowledgeDocument[]> {
    const body = await this.api.request('GET', storeId, 'knowledge')
    if (!Array.isArray(body)) throw new ApiError(500, 'The document list has an unexpected shape')
    return body.filter(isDocument)
  }

  async get(storeId: string, id: string): Promise<KnowledgeDocument> {
    const body = await this.api.request('GET', storeId, `knowledge/${id}`)
    if (!isDocument(body)) throw new ApiError(500, 'The document has an unexpected shape')
    return body
  }

  async remove(storeId: string, id: string): Promise<void> {
    await this.api.request('DELETE', storeId, `knowledge/${id}`)
  }

  async search(storeId: string, question: string, limit = 3): Promise<Passage[]> {
    const body = await this.api.request('POST', storeId, 'knowledge/search', { question, limit })
    const passages = isRecord(body) && Array.isArray(body['passages']) ? body['passages'] : null
    if (passages === null) throw new ApiError(500, 'The search answer has an unexpected shape')
    return passages.filter(isPassage)
  }

  /** multipart/form-data with the field `file`; `onProgress` gets the share sent, 0 to 1. */
  async upload(
    storeId: string,
    file: File,
    options: UploadOptions,
    onProgress: (sent: number) => void,
  ): Promise<{ id: string; status: DocumentStatus }> {
    const { url, token } = await this.api.authorized(storeId, 'knowledge')
    const form = new FormData()
    form.append('file', file)
    if (options.title) form.append('title', options.title)
    if (options.replaces) form.append('replaces', options.replaces)
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest()
      request.open('POST', url)
      request.setRequestHeader('Authorization', `Bearer ${token}`)
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total)
      }
      request.onerror = () => reject(new ApiError(0, 'Sapa’s API could not be reached. Check your connection and try again.'))
      request.onload = () => {
        const parsed = parseJson(request.responseText)
        if (request.status < 200 || request.status >= 300) {
          reject(new ApiError(request.status, uploadErrorText(request.status, parsed, request.responseText)))
          return
        }
        if (!isRecord(parsed) || typeof parsed['id'] !== 'string') {
          reject(new ApiError(500, 'The upload answer has an unexpected shape'))
          return
        }
        resolve({ id: parsed['id'], status: (parsed['status'] as DocumentStatus | undefined) ?? 'processing' })
      }
      request.send(form)
    })
  }
}

/** The API says why in `detail`; these say it when a proxy answered instead. */
function uploadErrorText(status: number, body: unknown, raw: string): string {
  const detail = isRecord(body) ? body['detail'] : undefined
  if (typeof detail === 'string' && detail !== '') return detail
  if (status === 413) return `The file is too large: documents can be up to ${formatBytes(MAX_UPLOAD_BYTES)}.`
  if (status === 415) return 'This type of file cannot be used. Upload a PDF, a Word document (.docx), a text file or an image.'
  return errorText(status, body, raw)
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return ''
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

export function isDocument(value: unknown): value is KnowledgeDocument {
  return (
    isRecord(value) &&
    typeof value['id'] === 'string' &&
    typeof value['status'] === 'string' &&
    typeof value['created_at'] === 'string'
  )
}

function isPassage(value: unknown): value is Passage {
  return isRecord(value) && typeof value['document_id'] === 'string' && typeof value['content'] === 'string'
}
