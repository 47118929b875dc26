/** Runtime configuration, served next to the app so keys are never baked into the build. */
export interface AppConfig {
  supabaseUrl: string
  anonKey: string
  /** Where Sapa's functions API answers (`/api/…` actions). */
  functionsUrl: string
}

export async function loadConfig(url = '/config.json'): Promise<AppConfig> {
  const response = await fetch(url, { cache: 'no-store' })
  if (!response.ok) {
    throw new Error(`Could not load ${url}: HTTP ${response.status}`)
  }
  const raw: unknown = await response.json()
  if (
    !isRecord(raw) ||
    !isNonEmptyString(raw['supabaseUrl']) ||
    !isNonEmptyString(raw['anonKey']) ||
    !isNonEmptyString(raw['functionsUrl'])
  ) {
    throw new Error(`${url} must be {"supabaseUrl": "...", "anonKey": "...", "functionsUrl": "..."}`)
  }
  return {
    supabaseUrl: raw['supabaseUrl'],
    anonKey: raw['anonKey'],
    functionsUrl: raw['functionsUrl'].replace(/\/+$/, ''),
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}
