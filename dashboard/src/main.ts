import './style.css'
import { createClient } from '@supabase/supabase-js'
import { App } from './app'
import { loadConfig } from './config'
import { setMessage } from './dom'
import { findUi } from './ui'

async function main(): Promise<void> {
  const ui = findUi()
  try {
    const config = await loadConfig()
    const client = createClient(config.supabaseUrl, config.anonKey)
    await new App(client, ui).start()
  } catch (error) {
    setMessage(ui.appError, `The dashboard could not start: ${error instanceof Error ? error.message : String(error)}`)
  }
}

void main()
