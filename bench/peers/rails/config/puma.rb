# Puma for the bench: loopback only; PUMA_WORKERS processes × PUMA_THREADS threads (defaults 2 × 5).
bind "tcp://127.0.0.1:#{ENV.fetch('PORT')}"
workers Integer(ENV.fetch('PUMA_WORKERS', '2'))
threads_count = Integer(ENV.fetch('PUMA_THREADS', '5'))
threads threads_count, threads_count
environment 'production'
quiet
