import { createSnsTestSigner, type SnsTestSigner } from './ses.js';

// A published key and its self-signed certificate (made with `openssl req -x509 -newkey rsa:2048 -nodes -days 36500
// -subj /CN=sns.mailroom.test`), like TEST_KEY_PAIR: anyone can sign with it, so it only ever serves development
// (the demo's /webhooks/ses without SES_SNS_TOPIC_ARNS) and tests.
const PUBLISHED_SNS_TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDsbPDK6K50MFnZ
CLrpTOE8DB8yhhiiHpQTfGLRR/8NLFWwFPkQVt8DH10Hq462jvmGJ0hBXKIxnrFm
li1qzXecSBCE7SedKcoZWTWOX6OuJXmfpFvAD6BJ9/cLb3zGaIo9WvXx9DvGMp06
pSostoNj/dlVh7j2FRHENvSxreJ6hGeumYumQGEK+JzRFonh6QZu1g335TcDB3th
GYFQ2tFEq6A9xOAZoqA3Us1wa/AO5BV0/wehVJ4wUzESVnKvaxRkwIgmxdk0rurf
4n7/z9AsDDC5k083AxIfBrDr4xeCYv8gPaPGRwK8EpIYm/gL1C7+2RtUL/MLwiwC
V1C6VMgjAgMBAAECggEAHP5bJTcVtc/8JL6KVXQFJx0Bcmu5d6AyXpVhdPLUV2Q5
eeeIh7Vvke11tiwWy1KLTSViGgnnJhik/sSp+zAJXBQGWpbOxdpLG4KyK6yU4RVd
bfN1AP+pk4iiNjfM4HQPh+iwwqRF9E9essNwgZ08TbXiwjdrulnpHNv0dBmz7Xw0
9mfP73JdCE1kFBlAhZktsZHBP7lnjvClGluqqcCNAdmz+5oCgHetjyH3W1vpJis5
++y5cipZ3l41hqIY0WE8UOnQsG9e6/bRImwd9xW8mro6BRllXpvGgaEkPph2irkA
6FiKsnmrW8pLoI1jV007KlnLuRRpmuxGB0l7uAkZMQKBgQD5FfHW3WHU4SBEa/JB
LsmRt/+b5MvEAdzH9H2hjTt37cqr70JKWmyXIwG8/1C7tgLY94HYLyfdrGwqqb+U
zIT0AYIt3+AwckFUnHufHnG/etIY+n7ugrcs6rfVVMlEp1m+drORghLlWTIt6bPD
Dxcg6oSZYVw/gu9SP2Ka6ZndmQKBgQDy/QezBkWTX3COn+Y/PoUOgcnmxH9/CK10
a2fjy81BoNFqX/cxvwOkyANDrrNpieOe0InJhVtJpmV7ymvBdWNA544wKOPVDk86
bKSf4cJY610LDwQ+0BlnuUW4VnMBvKGdoQ1d4lcodNITgVdgURkYKH58smJ5nZhv
MkvsNAVRGwKBgDkyUdM+CL4CaA9uHjXbkYu1jat1kVjT+Ketu7+CF9rFLtnmWfmK
5A6cikSk+Bvygprh0t4ajfP4KOpvCkAX6pvBUOxJ0UgupFPSjwyNyB7pDB+SPd11
BKz6xPXmv0TVjOUQitFp5f7mSYCDfrTW3T/AumwiEDXBUkU3quPZqmxZAoGAZu6M
/mdfvcgmNCTEMnJXhwev8ZO3tqaEY9bD0ZmZv31SeM9iNa6G6pzX1SoCUmjZBYOt
erKFMzPLtZ7P+smxW+M7Nmd769r98O/o5NmLrIM3jOG1mK4qtOelAyuL2GaBx/Zb
ZTPmW/rwqtaVnvV7veIZgtVGJeJ+mkwiIVMAFZUCgYEAhvJ25aLUntyVcQg7TYPr
C0Y2AF0VfUxh08vIcAuKAQG2k7KUYpaps4j4poUZQSVnsyfXzMTSBr8MqMNgZuOE
Qxutzq296iDzkP7W0zqCDyWsQzK4wfdOafth7wiA0y2u5GPiLya4MS183JnpN/2o
FqVeTBPjGRPdyf5UJ3if64A=
-----END PRIVATE KEY-----`;

const PUBLISHED_SNS_TEST_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIDGzCCAgOgAwIBAgIUTtgbff6hQZikZyxf20eiMNWSvmgwDQYJKoZIhvcNAQEL
BQAwHDEaMBgGA1UEAwwRc25zLm1haWxyb29tLnRlc3QwIBcNMjYxMjA4MDEwMTIw
WhgPMjEyNjExMTQwMTAxMjBaMBwxGjAYBgNVBAMMEXNucy5tYWlscm9vbS50ZXN0
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA7GzwyuiudDBZ2Qi66Uzh
PAwfMoYYoh6UE3xi0Uf/DSxVsBT5EFbfAx9dB6uOto75hidIQVyiMZ6xZpYtas13
nEgQhO0nnSnKGVk1jl+jriV5n6RbwA+gSff3C298xmiKPVr18fQ7xjKdOqUqLLaD
Y/3ZVYe49hURxDb0sa3ieoRnrpmLpkBhCvic0RaJ4ekGbtYN9+U3Awd7YRmBUNrR
RKugPcTgGaKgN1LNcGvwDuQVdP8HoVSeMFMxElZyr2sUZMCIJsXZNK7q3+J+/8/Q
LAwwuZNPNwMSHwaw6+MXgmL/ID2jxkcCvBKSGJv4C9Qu/tkbVC/zC8IsAldQulTI
IwIDAQABo1MwUTAdBgNVHQ4EFgQUGVcf6q5bURpgC5BL7Sv//wZfyzgwHwYDVR0j
BBgwFoAUGVcf6q5bURpgC5BL7Sv//wZfyzgwDwYDVR0TAQH/BAUwAwEB/zANBgkq
hkiG9w0BAQsFAAOCAQEAv3oYniYmvO+W1Bs6b9rsC1NTDdBzgF0tg3Jc9B1XrkMt
BSMXsjlD/Th4+vM+YQj19AQXO3QTn7zWf15OTDnJbjfwPhCdqTiwa6XQyT9Ba7fq
AF+kxlF/p1cSTDim06O5zRpeXZ64QJSvQw8RxYgIcu/stWqwHhbDGuydwufE2hcc
UgD1rBSryMqN8y0Zqm8V9TPdOnck6wHXf4CLkIF2e3r4nRxTlSd0KixrSnitSr8h
7vRkkFwpqOll3++yYP/86dCpJ8oUH429OG8ayv/8StjhsxxeGeIAIiyngngxhRT7
aYFN76uqfyeSLeRoCtBfOGRZS5BpUc/L5rdM4W5FJw==
-----END CERTIFICATE-----`;

/**
 * A signer over the kit's published SNS test key: messages it signs verify under its certificate, which its
 * `fetchCertificate` serves for `DEFAULT_SNS_SIGNING_CERT_URL` only. For development and tests, never production:
 * a `sesInbound` given its `fetchCertificate` accepts whatever anyone signs with the published key.
 */
export function publishedSnsTestSigner(): SnsTestSigner {
  return createSnsTestSigner({ privateKey: PUBLISHED_SNS_TEST_KEY, certificate: PUBLISHED_SNS_TEST_CERTIFICATE });
}
