// Field messages of the server are plain strings: marshmallow's English defaults, or bilingual
// "English / Indonesia" (in either order). Shown here in the reader's language where we can tell.
import type { Lang } from './index';

const MARSHMALLOW: [RegExp, string][] = [
  [/^Missing data for required field\.?$/, 'Wajib diisi.'],
  [/^Field may not be null\.?$/, 'Wajib diisi.'],
  [/^Shorter than minimum length 1\.?$/, 'Wajib diisi.'],
  [/^Unknown field\.?$/, 'Isian tidak dikenal.'],
  [/^Not a valid integer\.?$/, 'Harus bilangan bulat.'],
  [/^Not a valid number\.?$/, 'Harus berupa angka.'],
  [/^Not a valid string\.?$/, 'Harus berupa teks.'],
  [/^Not a valid boolean\.?$/, 'Harus ya atau tidak.'],
  [/^Not a valid list\.?$/, 'Harus berupa daftar.'],
  [/^Not a valid date\.?$/, 'Tanggal tidak sah.'],
  [/^Not a valid datetime\.?$/, 'Tanggal dan waktu tidak sah.'],
  [/^Not a valid email address\.?$/, 'Alamat email tidak sah.'],
  [/^Must be one of: (.*)\.$/, 'Harus salah satu dari: $1.'],
  [/^Longer than maximum length (\d+)\.$/, 'Lebih dari $1 karakter.'],
  [/^Shorter than minimum length (\d+)\.$/, 'Kurang dari $1 karakter.'],
  [/^Length must be between (\d+) and (\d+)\.$/, 'Panjang harus antara $1 dan $2.'],
  [
    /^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$/,
    'Harus antara $1 dan $2.',
  ],
  [/^Must be greater than or equal to (\S+)\.$/, 'Paling sedikit $1.'],
  [/^Must be less than or equal to (\S+)\.$/, 'Paling banyak $1.'],
  [/^String does not match expected pattern\.$/, 'Bentuknya tidak sesuai.'],
];

// Words that tell the two halves of "a / b" apart.
const INDONESIAN = new Set(
  'wajib angka harus tidak bukan melebihi isian dikenal hanya bila kali dua anggota sudah belum ada diisi untuk dengan kosong bagian foto objek sebagai kunjungan jumlah semua yang atau lebih kurang dari tanpa memasak listrik kategori lapangan usaha sekali setiap pengelompokan perubahan karakter tertanggung fasilitas kloset anak sekolah sesuai berkas baris kolom nilai salah satu'.split(
    ' ',
  ),
);
const ENGLISH = new Set(
  'the must not required digits more than only when unknown field given exactly somebody every a an of no part named twice is be as object visit photo members member school-age children cooking without electricity category sector working insured change each once file row column value one'.split(
    ' ',
  ),
);

function score(text: string, words: Set<string>): number {
  return text
    .toLowerCase()
    .split(/[^a-z-]+/)
    .filter((word) => words.has(word)).length;
}

export function fromServer(message: string, lang: Lang): string {
  const halves = message.split(' / ');
  if (halves.length === 2) {
    const [a, b] = halves as [string, string];
    const aId = score(a, INDONESIAN) - score(a, ENGLISH);
    const bId = score(b, INDONESIAN) - score(b, ENGLISH);
    if (aId !== bId) {
      const indonesian = aId > bId ? a : b;
      const english = aId > bId ? b : a;
      return lang === 'id' ? indonesian : english;
    }
    return message;
  }
  if (lang === 'id') {
    for (const [pattern, text] of MARSHMALLOW) {
      if (pattern.test(message)) return message.replace(pattern, text);
    }
  }
  return message;
}
