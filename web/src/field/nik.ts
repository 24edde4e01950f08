// The NIK typed from the card at the door, encrypted at once for the server (RSA-OAEP with
// SHA-256, the server's public key from GET /sync/tasks). Only the ciphertext is kept: a NIK
// has too few unknown digits for a hash to hide it, and the phone holds no key to read it back.
import type { FieldKeyInfo, SealedNik } from './types';

const NIK = /^\d{16}$/;

/** The 16 digits of what was typed (spaces, dots and dashes dropped), or null. */
export function cleanNik(typed: string): string | null {
  const digits = typed.replace(/[\s.-]/g, '');
  return NIK.test(digits) ? digits : null;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function toBase64(bytes: ArrayBuffer): string {
  let raw = '';
  for (const b of new Uint8Array(bytes)) raw += String.fromCharCode(b);
  return btoa(raw);
}

export async function sealNik(nik: string, key: FieldKeyInfo): Promise<SealedNik> {
  const publicKey = await crypto.subtle.importKey(
    'spki',
    fromBase64(key.spki),
    { name: 'RSA-OAEP', hash: 'SHA-256' },
    false,
    ['encrypt'],
  );
  const sealed = await crypto.subtle.encrypt(
    { name: 'RSA-OAEP' },
    publicKey,
    new TextEncoder().encode(nik),
  );
  return { key_id: key.key_id, ciphertext: toBase64(sealed) };
}
