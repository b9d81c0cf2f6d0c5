require 'digest'
require 'json'

# What an app's mailbox does with a message: reads its fields through the Mail gem and stores them
# (the same row every peer stores, so bench/peers.mjs can check fidelity from the database).
class BenchMailbox < ApplicationMailbox
  def process
    BenchMessage.create!(
      inbound_email_id: inbound_email.id,
      message_id: mail.message_id.to_s,
      subject: utf8(mail.subject),
      from_address: Array(mail.from).join(','),
      recipients: JSON.generate(mail.recipients.map(&:to_s)),
      text_body: utf8(text_part),
      attachments: JSON.generate(mail.attachments.map { |a| attachment_row(a) }),
    )
  end

  private

  def text_part
    part = mail.multipart? ? mail.text_part : mail
    part&.decoded
  end

  def attachment_row(attachment)
    bytes = attachment.decoded
    { filename: attachment.filename.to_s, size: bytes.bytesize, sha256: Digest::SHA256.hexdigest(bytes) }
  end

  def utf8(value)
    value&.to_s&.encode('UTF-8', invalid: :replace, undef: :replace)
  end
end

class BenchMessage < ActiveRecord::Base
end
