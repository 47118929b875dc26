import { defineConfig, type Plugin } from 'vite'

// In the local stack the Python server serves dist/ and /config.json on 127.0.0.1:3000.
// For `npm run dev` this plugin serves /config.json from the same variables that
// `sapa status -o env` prints (API_URL, ANON_KEY, FUNCTIONS_URL), so keys never end up in the build.
function devConfigJson(): Plugin {
  return {
    name: 'sapa-dev-config-json',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        const supabaseUrl = process.env['API_URL']
        const anonKey = process.env['ANON_KEY']
        const functionsUrl = process.env['FUNCTIONS_URL']
        if (!supabaseUrl || !anonKey || !functionsUrl) {
          res.statusCode = 500
          res.end('Set API_URL, ANON_KEY and FUNCTIONS_URL (eval "$(sapa status -o env)") before npm run dev')
          return
        }
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({ supabaseUrl, anonKey, functionsUrl }))
      })
    },
  }
}

export default defineConfig({
  plugins: [devConfigJson()],
  // Preact's automatic JSX runtime (tsconfig.json says the same to the type checker).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
