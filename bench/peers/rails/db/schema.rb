# Creates the tables in a fresh database: Active Storage's and Action Mailbox's own migrations, from the gems,
# and the mailbox's bench_messages. Run: ruby db/schema.rb (with DATABASE_URL).
require_relative '../config/environment'

gems = Gem.loaded_specs
%w[activestorage actionmailbox].each do |name|
  Dir[File.join(gems[name].full_gem_path, 'db/migrate/*.rb')].sort.each { |file| require file }
end
ActiveRecord::Migration.verbose = false
CreateActiveStorageTables.new.migrate(:up)
CreateActionMailboxTables.new.migrate(:up)
ActiveRecord::Schema.define do
  create_table :bench_messages do |t|
    t.bigint :inbound_email_id
    t.string :message_id
    t.text :subject
    t.text :from_address
    t.text :recipients
    t.text :text_body
    t.text :attachments
  end
end
