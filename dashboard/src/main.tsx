import './style.css'
import { createClient } from '@supabase/supabase-js'
import { render } from 'preact'
import { readAuthLink } from './auth/links'
import { App } from './components/App'
import { loadConfig } from './config'
import { SessionModel } from './models/session'

async function main(): Promise<void> {
  const root = document.getElementById('app')
  const appError = document.getElementById('app-error')
  if (!root || !appError) throw new Error('index.html lacks #app or #app-error')
  try {
    const link = readAuthLink(location.hash) // before supabase-js reads and clears the fragment
    const config = await loadConfig()
    const session = new SessionModel(createClient(config.supabaseUrl, config.anonKey))
    render(<App session={session} functionsUrl={config.functionsUrl} />, root)
    await session.start(link)
  } catch (error) {
    appError.textContent = `The dashboard could not start: ${error instanceof Error ? error.message : String(error)}`
    appError.hidden = false
  }
}

void main()
