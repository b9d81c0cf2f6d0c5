// Express: mount the Node handler on SendGrid's Destination URL. Put no body parser in front of it:
// the ingress verifies the signature over the raw bytes. (express is not a dependency of this repo.)
import express from 'express';
import { openStore } from '@mailroom/core';
import { createSupportMailroom } from '../support-mailroom.js';

const mailroom = createSupportMailroom(await openStore()); // DATABASE_URL, else PGlite in ./.mailroom
const app = express();
app.post('/webhooks/sendgrid/parse', mailroom.nodeHandler());
app.get('/', (_req, res) => res.send('ok'));
app.listen(Number(process.env.PORT ?? 3000), () => mailroom.start());
