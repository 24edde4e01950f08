// Fails when source code could turn API data into markup (npm run check:no-html).
// Names from imported files may hold "<script>" or "<img onerror>": they are shown as text.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
// The one module allowed to call Leaflet's popup binders; it takes HTMLElement only.
const POPUP_MODULE = path.join('map', 'popup.ts');

const RULES = [
  [/dangerouslySetInnerHTML/, 'dangerouslySetInnerHTML'],
  [/\.(inner|outer)HTML\b/, 'innerHTML/outerHTML'],
  [/insertAdjacentHTML/, 'insertAdjacentHTML'],
  [/document\.write/, 'document.write'],
  [/\bsrcdoc\b/, 'srcdoc'],
  [/\beval\s*\(|new\s+Function\s*\(/, 'eval / new Function'],
  [
    /\b(bindPopup|bindTooltip|setContent|setPopupContent|setTooltipContent)\s*\(\s*[`'"]/,
    'Leaflet content given as a string',
  ],
];

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (/\.(ts|tsx|js|jsx|mjs)$/.test(entry.name)) yield full;
  }
}

const problems = [];
for (const file of files(root)) {
  const rel = path.relative(root, file);
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (/^\s*(\/\/|\*)/.test(line)) return; // comments may name what they forbid
      for (const [pattern, what] of RULES) {
        if (pattern.test(line)) problems.push(`${rel}:${i + 1}: ${what}`);
      }
      if (/\b(bindPopup|bindTooltip)\s*\(/.test(line) && rel !== POPUP_MODULE) {
        problems.push(`${rel}:${i + 1}: bindPopup/bindTooltip outside ${POPUP_MODULE}`);
      }
    });
}

if (problems.length) {
  console.error('Markup sinks found (show API data as text):\n' + problems.join('\n'));
  process.exit(1);
}
console.log('check:no-html: no markup sinks in src/');
