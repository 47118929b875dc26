import { defineConfig, type Plugin } from 'vite'

// In the local stack the Python server serves dist/ and /config.json on 127.0.0.1:3000.
// For `npm run dev` this plugin serves /config.json from the same variables that
// `sapa status -o env` prints (API_URL, ANON_KEY), so keys never end up in the build.
function devConfigJson(): Plugin {
  return {
    name: 'sapa-dev-config-json',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        const supabaseUrl = process.env['API_URL']
        const anonKey = process.env['ANON_KEY']
        if (!supabaseUrl || !anonKey) {
          res.statusCode = 500
          res.end('Set API_URL and ANON_KEY (eval "$(sapa status -o env)") before npm run dev')
          return
        }
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({ supabaseUrl, anonKey }))
      })
    },
  }
}

export default defineConfig({
  plugins: [devConfigJson()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
})
