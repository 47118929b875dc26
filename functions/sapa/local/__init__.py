"""Dev-only local stack: the Supabase platform assembled from real parts (Postgres, PostgREST) and
small stand-ins (Auth, Realtime, gateway). Nothing in this package runs in production."""
