import type { ComponentType } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import type { Workspace } from '../models/workspace'

type Page = ComponentType<{ workspace: Workspace }>

/** The KPI page, loaded when first opened: Chart.js stays out of the inbox's bundle. */
export function KpiRoute({ workspace }: { workspace: Workspace }) {
  const [page, setPage] = useState<{ component: Page } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    import('./KpiPage')
      .then((module) => live && setPage({ component: module.KpiPage }))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)))
    return () => {
      live = false
    }
  }, [])
  if (error) {
    return (
      <p class="alert alert--page" role="alert">
        The KPI page could not be loaded: {error}
      </p>
    )
  }
  if (!page) {
    return (
      <p class="muted kpi-loading" data-testid="kpi-loading">
        Loading the KPI page…
      </p>
    )
  }
  const Component = page.component
  return <Component workspace={workspace} />
}
