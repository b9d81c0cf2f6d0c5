-- bench_messages for the anymail peer (created in its fresh database by bench/peers.mjs).
create table bench_messages (
  id bigserial primary key, message_id text, subject text, from_address text, recipients text,
  text_body text, attachments text, stored_at timestamptz not null default now());
