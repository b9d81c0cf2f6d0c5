# anymail's inbound signal: store each message's fields in bench_messages (the same row every peer stores).
import hashlib
import json

from anymail.signals import inbound
from django.db import connection
from django.dispatch import receiver

SQL = (
    'insert into bench_messages (message_id, subject, from_address, recipients, text_body, attachments)'
    ' values (%s, %s, %s, %s, %s, %s)'
)


def attachment_row(attachment):
    content = attachment.get_content_bytes()
    return {
        'filename': attachment.get_filename(),
        'size': len(content),
        'sha256': hashlib.sha256(content).hexdigest(),
    }


@receiver(inbound)
def store_inbound(sender, event, esp_name, **kwargs):
    message = event.message
    recipients = [str(a.addr_spec) for a in (message.to + message.cc)]
    if message.envelope_recipient:
        recipients.append(message.envelope_recipient)
    with connection.cursor() as cursor:
        cursor.execute(
            SQL,
            [
                message.get('Message-ID', ''),
                message.subject,
                message.from_email.addr_spec if message.from_email else '',
                json.dumps(recipients),
                message.text,
                json.dumps([attachment_row(a) for a in message.attachments]),
            ],
        )
