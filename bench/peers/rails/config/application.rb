# The smallest Rails 6.1 app with Action Mailbox's SendGrid ingress, written by hand for bench/peers.mjs.
# Gems come from Debian's ruby-rails / ruby-pg / puma (no Bundler, no rubygems.org).
# Environment: DATABASE_URL, STORAGE_DIR (Active Storage disk root), RAILS_INBOUND_EMAIL_PASSWORD (the ingress
# password; basic auth user "actionmailbox"), SECRET_KEY_BASE.
require 'rails'
require 'active_record/railtie'
require 'active_storage/engine'
require 'action_controller/railtie'
require 'active_job/railtie'
require 'action_mailbox/engine'

module MailroomBenchPeer
  class Application < Rails::Application
    config.load_defaults 6.1
    config.root = File.expand_path('..', __dir__)
    config.eager_load = true
    config.cache_classes = true
    config.consider_all_requests_local = false
    config.log_level = :warn
    config.logger = ActiveSupport::Logger.new($stderr)
    config.secret_key_base = ENV.fetch('SECRET_KEY_BASE', 'bench-only-not-a-secret')
    config.action_mailbox.ingress = :sendgrid
    # Active Job in-process: the :async adapter runs routing and the mailbox on a thread pool of this process.
    config.active_job.queue_adapter = :async
    config.active_storage.service = :local
    config.active_storage.service_configurations = {
      local: { service: 'Disk', root: ENV.fetch('STORAGE_DIR', File.join(Dir.tmpdir, 'mailroom-bench-rails')) },
    }
    # Keep every received email (no incineration during or after the bench).
    config.action_mailbox.incinerate = false
  end
end
