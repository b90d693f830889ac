"""HTTP: the connexion app, its handlers, the job queue, Server-Sent Events, Idempotency-Key, wire shapes."""
