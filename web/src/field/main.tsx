// The field app's entry (/field/): the shell, the outbox started, storage asked to persist,
// and the service worker that keeps the app itself on the phone (scope /field/).
import { render } from 'preact';
import { announce } from '../status';
import { FieldApp } from './app';
import { open } from './db';
import { watchInstall } from './install';
import { recover, startOutbox } from './outbox';
import { askPersistence } from './storage';
import { w } from './words';
import '../styles.css';
import './field.css';

function registerWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  const updating = navigator.serviceWorker.controller !== null; // else: the first install
  navigator.serviceWorker
    .register('/field/sw.js', { scope: '/field/' })
    .then((registration) => {
      registration.addEventListener('updatefound', () => {
        const incoming = registration.installing;
        incoming?.addEventListener('statechange', () => {
          if (incoming.state === 'activated' && updating) {
            announce(w('app.updated'), 'info');
          }
        });
      });
    })
    .catch((error: unknown) => console.warn('service worker not registered', error));
}

async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  try {
    await open();
  } catch {
    const p = document.createElement('p');
    p.className = 'alert error';
    p.textContent = w('app.unsupported');
    root.replaceChildren(p);
    return;
  }
  await recover(); // nothing stays 'sending' after a crash or a reload
  render(<FieldApp />, root);
  registerWorker();
  watchInstall();
  void askPersistence();
  startOutbox();
}

void start();
