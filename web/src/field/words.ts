// The field app's own words: Bahasa Indonesia first, English beside it (the main app's language
// switch, `sipmas.lang`, chooses). The questionnaire's fields reuse the main app's tables.
import { lang, type Vars } from '../i18n';

const id = {
  'app.name': 'SIPMAS Lapangan',
  'app.tagline': 'Kunjungan verifikasi, juga tanpa sinyal',
  'app.skip': 'Langsung ke isi',
  'app.insecure':
    'Aplikasi lapangan perlu sambungan aman (HTTPS). Buka alamat https:// yang diberikan Dinas Sosial.',
  'app.unsupported':
    'Peramban ini tidak dapat menyimpan data tanpa sinyal (IndexedDB). Gunakan Chrome versi terbaru.',
  'app.updated': 'Versi baru aplikasi siap dipakai saat dibuka lagi.',
  'nav.label': 'Menu aplikasi lapangan',
  'nav.tasks': 'Tugas',
  'nav.outbox': 'Kotak keluar',
  'nav.account': 'Akun',
  'net.online': 'Ada sinyal',
  'net.offline': 'Tanpa sinyal',
  'net.sending': 'Mengirim…',
  'lang.switch': 'English',
  'lang.switchLabel': 'EN — Switch to English',

  'signin.title': 'Masuk ke SIPMAS Lapangan',
  'signin.intro':
    'Masuk sekali saat ada sinyal. Sesudah itu tugas dan kuesioner tersimpan di ponsel ini, kunjungan dapat dilakukan tanpa sinyal, dan kiriman berangkat sendiri begitu ada sinyal.',
  'signin.username': 'Nama pengguna',
  'signin.password': 'Kata sandi',
  'signin.totp': 'Kode autentikator (6 angka)',
  'signin.totpHint': 'Dari aplikasi autentikator di ponsel Anda.',
  'signin.submit': 'Masuk',
  'signin.busy': 'Sedang masuk…',
  'signin.taking': 'Mengambil tugas…',
  'signin.needNetwork':
    'Masuk memerlukan sinyal. Kunjungan yang sudah tersimpan tetap aman di ponsel ini.',
  'signin.notVerifier':
    'Aplikasi lapangan hanya untuk verifikator. Gunakan aplikasi web SIPMAS untuk peran Anda.',
  'signin.mustChange':
    'Kata sandi Anda harus diganti dulu (atau autentikator dipasang) di aplikasi web SIPMAS. Setelah itu masuk lagi di sini.',
  'signin.openWeb': 'Buka aplikasi web SIPMAS',
  'signin.again':
    'Perangkat ini perlu masuk lagi sebagai {user}. Kiriman yang menunggu tetap tersimpan dan dikirim setelah masuk.',
  'signin.waitingOther':
    '{n} kunjungan milik {user} menunggu di ponsel ini. Kunjungan itu hanya dikirim setelah {user} masuk lagi.',
  'signin.otherUser':
    'Anda masuk sebagai pengguna lain: data terkirim dan tugas {user} dihapus dari ponsel ini; kunjungan {user} yang belum terkirim tetap disimpan.',

  'tasks.title': 'Tugas saya',
  'tasks.none': 'Tidak ada tugas kunjungan untuk Anda saat ini.',
  'tasks.notYet': 'Tugas belum diambil. Sambungkan ke internet untuk mengambilnya.',
  'tasks.count': '{n} tugas',
  'tasks.due': 'Batas waktu',
  'tasks.start': 'Mulai kunjungan',
  'tasks.continue': 'Lanjutkan draf',
  'tasks.waiting': 'Kunjungan menunggu dikirim',
  'tasks.sent': 'Kunjungan terkirim',
  'tasks.second': 'Kunjungan kedua',
  'tasks.stale': 'Tidak lagi ditugaskan kepada Anda',
  'tasks.members': '{n} anggota',
  'tasks.refresh': 'Perbarui tugas',
  'tasks.refreshed': 'Tugas diperbarui.',
  'tasks.lastSync': 'Sinkron terakhir: {when}',
  'tasks.neverSynced': 'Belum pernah sinkron.',
  'tasks.waitingCount': '{n} kunjungan menunggu dikirim',
  'tasks.nothingWaiting': 'Tidak ada kiriman yang menunggu.',
  'tasks.refusedCount': '{n} kiriman ditolak server — lihat Kotak keluar',
  'tasks.clock':
    'Jam ponsel ini berbeda {diff} dengan server. Perbaiki jam ponsel: waktu kunjungan dicatat dari jam ini.',

  'visit.title': 'Kunjungan',
  'visit.back': 'Kembali ke tugas',
  'visit.household': 'Rumah tangga',
  'visit.head': 'Kepala keluarga',
  'visit.address': 'Alamat',
  'visit.area': 'Desa, kecamatan',
  'visit.task': 'Tugas',
  'visit.members': 'Anggota keluarga',
  'visit.years': '{n} th',
  'visit.earlier': 'Foto kunjungan sebelumnya',
  'visit.earlierAlt': 'Foto {kind} kunjungan sebelumnya, {when}',
  'visit.earlierMissing': 'Foto belum tersimpan di ponsel.',
  'visit.draftSaved': 'Draf tersimpan di ponsel {when}',
  'visit.started': 'Kunjungan dimulai {when}',
  'visit.outcome': 'Hasil kunjungan',
  'visit.questions': 'Kuesioner',
  'visit.progress': '{done} dari {total} pertanyaan terjawab',
  'visit.photos': 'Foto',
  'visit.photosHint':
    'Ambil dengan kamera. Foto diperkecil di ponsel (paling panjang 1.600 piksel, paling besar 200 KB); waktu dan lokasinya ikut dicatat.',
  'visit.photoNeeded': 'Foto ini wajib.',
  'visit.missingOk':
    'Foto wajib tidak dapat diambil (mis. tidak ada dapur) — simpan saja; supervisor melihat tandanya.',
  'visit.save': 'Simpan ke kotak keluar',
  'visit.saving': 'Menyimpan…',
  'visit.saved':
    'Kunjungan disimpan di kotak keluar. Dikirim otomatis begitu ada sinyal — tidak perlu menekan apa pun.',
  'visit.discard': 'Buang draf',
  'visit.discardAsk': 'Buang draf kunjungan ini beserta fotonya?',
  'visit.discarded': 'Draf dibuang.',
  'visit.noTask': 'Tugas ini tidak ada di ponsel.',
  'visit.already': 'Kunjungan untuk tugas ini sudah ada di kotak keluar.',
  'visit.requiredField': 'Wajib diisi.',

  'nik.title': 'NIK dari kartu (KTP/KK)',
  'nik.label': 'NIK yang tertulis di kartu',
  'nik.hint':
    'Ketik 16 angka dari kartu yang ditunjukkan. Langsung dienkripsi untuk server dan dihapus dari layar; ponsel tidak menyimpan NIK yang dapat dibaca.',
  'nik.save': 'Enkripsi NIK',
  'nik.wrong': 'NIK harus 16 angka.',
  'nik.recorded': 'NIK tercatat (terenkripsi, tidak dapat dibaca di ponsel ini).',
  'nik.replace': 'Ganti NIK',
  'nik.remove': 'Hapus NIK',
  'nik.noKey': 'Kunci enkripsi belum ada di ponsel: ambil tugas saat ada sinyal.',

  'gps.title': 'Lokasi (GPS)',
  'gps.waiting': 'Mencari lokasi…',
  'gps.fix': '{where} — ketelitian ±{m} m ({when})',
  'gps.denied': 'Izin lokasi ditolak. Izinkan lokasi untuk aplikasi ini di pengaturan ponsel.',
  'gps.unavailable': 'Lokasi tidak tersedia. Coba di tempat terbuka.',
  'gps.again': 'Perbarui lokasi',

  'photo.take': 'Ambil foto',
  'photo.retake': 'Ganti foto',
  'photo.preparing': 'Memperkecil foto…',
  'photo.alt': 'Foto {kind} yang diambil',
  'photo.meta': '{when} · {size} (asli {original}) · {wh}',
  'photo.exif': 'EXIF: {what}',
  'photo.noExif': 'Foto tanpa EXIF',
  'photo.failed': 'Foto tidak dapat dibaca. Ambil lagi.',
  'photo.noRoom':
    'Ruang penyimpanan ponsel tidak cukup untuk foto ini ({free} tersisa). Kirim kunjungan yang menunggu atau kosongkan ruang dulu.',

  'outbox.title': 'Kotak keluar',
  'outbox.intro':
    'Kunjungan dikirim otomatis saat ada sinyal: foto satu per satu, lalu kunjungannya. Kiriman yang terputus diulang sendiri; tidak ada yang terkirim dua kali.',
  'outbox.empty': 'Kotak keluar kosong.',
  'outbox.sendNow': 'Kirim sekarang',
  'outbox.nextTry': 'Dicoba lagi {when}',
  'outbox.attempts': 'percobaan ke-{n}',
  'outbox.photos': '{sent} dari {total} foto terkirim',
  'outbox.visitOf': '{head} — tugas #{task}',
  'outbox.savedAt': 'Disimpan {when}',
  'outbox.sentAt': 'Diterima server {when}',
  'outbox.nik': 'NIK terenkripsi ikut dikirim',
  'outbox.needSignIn': 'Menunggu Anda masuk lagi',
  'outbox.otherUser': 'Milik {user}: menunggu {user} masuk lagi',
  'outbox.late': 'Terkirim — kunjungan terlambat',
  'outbox.lateWhy': 'Alasan: {why}',
  'state.waiting': 'Menunggu',
  'state.sending': 'Mengirim…',
  'state.sent': 'Terkirim',
  'state.refused': 'Ditolak',
  'state.draft': 'Draf',

  'account.title': 'Akun dan perangkat',
  'account.who': 'Masuk sebagai',
  'account.device': 'Perangkat ini',
  'account.until': 'Izin kirim perangkat berlaku sampai',
  'account.lastSync': 'Sinkron terakhir',
  'account.wipe':
    'Data terkirim dan tugas dihapus otomatis dari ponsel setelah {days} hari tanpa sinkron. Kunjungan yang belum terkirim tidak pernah dihapus.',
  'account.storage': 'Penyimpanan',
  'account.used': '{used} dipakai, {free} tersisa',
  'account.persisted': 'Penyimpanan tetap: ya (peramban tidak menghapus data aplikasi ini)',
  'account.notPersisted':
    'Penyimpanan tetap: tidak diizinkan peramban. Pasang aplikasi di layar utama agar data lebih aman.',
  'account.install': 'Pasang di layar utama',
  'account.signOut': 'Keluar',
  'account.signingOut': 'Keluar…',
  'account.signedOut': 'Anda sudah keluar. Data terkirim dan tugas dihapus dari ponsel ini.',
  'account.keptUnsent': '{n} kunjungan yang belum terkirim tetap disimpan.',
  'account.dialogTitle': 'Masih ada kunjungan yang belum terkirim',
  'account.dialogText':
    '{n} kunjungan belum terkirim. Kunjungan itu tetap disimpan di ponsel ini dan dikirim setelah Anda masuk lagi. Tugas dan data yang sudah terkirim dihapus.',
  'account.dialogConfirm': 'Keluar, simpan yang belum terkirim',
  'account.dialogCancel': 'Batal',

  'storage.low':
    'Ruang penyimpanan ponsel hampir habis ({free} tersisa). Kirim kunjungan yang menunggu atau kosongkan ruang sebelum mengambil foto lagi.',

  'error.network': 'Server tidak dapat dihubungi. Periksa sinyal, lalu coba lagi.',
  'error.generic': 'Terjadi kesalahan di aplikasi.',
  'error.quota': 'Ruang penyimpanan penuh: data tidak dapat disimpan.',
  'error.photoRefused': 'Foto {kind} ditolak: {why}',
} as const;

export type FieldKey = keyof typeof id;

const en: Record<FieldKey, string> = {
  'app.name': 'SIPMAS Field',
  'app.tagline': 'Verification visits, also without signal',
  'app.skip': 'Skip to content',
  'app.insecure':
    'The field app needs a secure connection (HTTPS). Open the https:// address Dinas Sosial gave you.',
  'app.unsupported':
    'This browser cannot keep data offline (IndexedDB). Use a recent version of Chrome.',
  'app.updated': 'A new version of the app is ready when you open it again.',
  'nav.label': 'Field app menu',
  'nav.tasks': 'Tasks',
  'nav.outbox': 'Outbox',
  'nav.account': 'Account',
  'net.online': 'Online',
  'net.offline': 'Offline',
  'net.sending': 'Sending…',
  'lang.switch': 'Bahasa Indonesia',
  'lang.switchLabel': 'ID — Ganti ke Bahasa Indonesia',

  'signin.title': 'Sign in to SIPMAS Field',
  'signin.intro':
    'Sign in once while online. Tasks and the questionnaire are then kept on this phone, visits work without signal, and what you save is sent by itself once there is signal.',
  'signin.username': 'Username',
  'signin.password': 'Password',
  'signin.totp': 'Authenticator code (6 digits)',
  'signin.totpHint': 'From the authenticator app on your phone.',
  'signin.submit': 'Sign in',
  'signin.busy': 'Signing in…',
  'signin.taking': 'Taking the tasks…',
  'signin.needNetwork': 'Signing in needs a connection. Visits kept on this phone stay safe.',
  'signin.notVerifier':
    'The field app is for verifiers only. Use the SIPMAS web app for your role.',
  'signin.mustChange':
    'Your password must be changed first (or an authenticator set up) in the SIPMAS web app. Then sign in here again.',
  'signin.openWeb': 'Open the SIPMAS web app',
  'signin.again':
    'This device must sign in again as {user}. What waits to be sent stays on it and is sent after signing in.',
  'signin.waitingOther':
    '{n} visits of {user} wait on this phone. They are sent only after {user} signs in again.',
  'signin.otherUser':
    "You signed in as another user: {user}'s sent data and tasks were removed from this phone; {user}'s unsent visits are kept.",

  'tasks.title': 'My tasks',
  'tasks.none': 'You have no visit tasks at the moment.',
  'tasks.notYet': 'Tasks not taken yet. Connect to the internet to take them.',
  'tasks.count': '{n} tasks',
  'tasks.due': 'Due',
  'tasks.start': 'Start the visit',
  'tasks.continue': 'Continue the draft',
  'tasks.waiting': 'Visit waiting to be sent',
  'tasks.sent': 'Visit sent',
  'tasks.second': 'Second visit',
  'tasks.stale': 'No longer assigned to you',
  'tasks.members': '{n} members',
  'tasks.refresh': 'Refresh tasks',
  'tasks.refreshed': 'Tasks refreshed.',
  'tasks.lastSync': 'Last sync: {when}',
  'tasks.neverSynced': 'Never synced.',
  'tasks.waitingCount': '{n} visits waiting to be sent',
  'tasks.nothingWaiting': 'Nothing waiting to be sent.',
  'tasks.refusedCount': '{n} items refused by the server — see the Outbox',
  'tasks.clock':
    "This phone's clock is {diff} off the server's. Fix the phone's clock: visit times are taken from it.",

  'visit.title': 'Visit',
  'visit.back': 'Back to tasks',
  'visit.household': 'Household',
  'visit.head': 'Head of household',
  'visit.address': 'Address',
  'visit.area': 'Desa, kecamatan',
  'visit.task': 'Task',
  'visit.members': 'Family members',
  'visit.years': '{n} y',
  'visit.earlier': 'Photos of the earlier visit',
  'visit.earlierAlt': 'Earlier {kind} photo, {when}',
  'visit.earlierMissing': 'Photo not on the phone yet.',
  'visit.draftSaved': 'Draft saved on the phone {when}',
  'visit.started': 'Visit started {when}',
  'visit.outcome': 'Outcome of the visit',
  'visit.questions': 'Questionnaire',
  'visit.progress': '{done} of {total} questions answered',
  'visit.photos': 'Photos',
  'visit.photosHint':
    'Take them with the camera. Photos are made smaller on the phone (1,600 px longest side, 200 KB at most); their time and place are recorded.',
  'visit.photoNeeded': 'This photo is required.',
  'visit.missingOk':
    'A required photo cannot be taken (e.g. there is no kitchen) — save anyway; the supervisor sees a flag.',
  'visit.save': 'Save to the outbox',
  'visit.saving': 'Saving…',
  'visit.saved':
    'The visit is in the outbox. It is sent by itself once there is signal — nothing to press.',
  'visit.discard': 'Discard the draft',
  'visit.discardAsk': 'Discard this visit draft and its photos?',
  'visit.discarded': 'Draft discarded.',
  'visit.noTask': 'This task is not on the phone.',
  'visit.already': 'A visit for this task is already in the outbox.',
  'visit.requiredField': 'Required.',

  'nik.title': 'NIK from the card (KTP/KK)',
  'nik.label': 'NIK written on the card',
  'nik.hint':
    'Type the 16 digits from the card shown. It is encrypted for the server at once and cleared from the screen; the phone keeps no readable NIK.',
  'nik.save': 'Encrypt the NIK',
  'nik.wrong': 'A NIK has 16 digits.',
  'nik.recorded': 'NIK recorded (encrypted, unreadable on this phone).',
  'nik.replace': 'Replace the NIK',
  'nik.remove': 'Remove the NIK',
  'nik.noKey': 'The encryption key is not on the phone yet: take the tasks while online.',

  'gps.title': 'Location (GPS)',
  'gps.waiting': 'Finding the location…',
  'gps.fix': '{where} — accuracy ±{m} m ({when})',
  'gps.denied': "Location permission denied. Allow location for this app in the phone's settings.",
  'gps.unavailable': 'Location unavailable. Try in the open.',
  'gps.again': 'Update the location',

  'photo.take': 'Take a photo',
  'photo.retake': 'Replace the photo',
  'photo.preparing': 'Making the photo smaller…',
  'photo.alt': 'The {kind} photo taken',
  'photo.meta': '{when} · {size} (original {original}) · {wh}',
  'photo.exif': 'EXIF: {what}',
  'photo.noExif': 'Photo without EXIF',
  'photo.failed': 'The photo cannot be read. Take it again.',
  'photo.noRoom':
    'Not enough storage on the phone for this photo ({free} left). Send the waiting visits or free some space first.',

  'outbox.title': 'Outbox',
  'outbox.intro':
    'Visits are sent by themselves when there is signal: photo by photo, then the visit. A cut transfer is tried again by itself; nothing is recorded twice.',
  'outbox.empty': 'The outbox is empty.',
  'outbox.sendNow': 'Send now',
  'outbox.nextTry': 'Next try {when}',
  'outbox.attempts': 'attempt {n}',
  'outbox.photos': '{sent} of {total} photos sent',
  'outbox.visitOf': '{head} — task #{task}',
  'outbox.savedAt': 'Saved {when}',
  'outbox.sentAt': 'Received by the server {when}',
  'outbox.nik': 'Encrypted NIK sent with it',
  'outbox.needSignIn': 'Waiting for you to sign in again',
  'outbox.otherUser': 'Of {user}: waiting for {user} to sign in again',
  'outbox.late': 'Sent — a late visit',
  'outbox.lateWhy': 'Why: {why}',
  'state.waiting': 'Waiting',
  'state.sending': 'Sending…',
  'state.sent': 'Sent',
  'state.refused': 'Refused',
  'state.draft': 'Draft',

  'account.title': 'Account and device',
  'account.who': 'Signed in as',
  'account.device': 'This device',
  'account.until': "The device's send permission lasts until",
  'account.lastSync': 'Last sync',
  'account.wipe':
    'Sent data and tasks are removed from the phone after {days} days without a sync. Unsent visits are never removed.',
  'account.storage': 'Storage',
  'account.used': '{used} used, {free} left',
  'account.persisted': "Persistent storage: yes (the browser will not clear this app's data)",
  'account.notPersisted':
    'Persistent storage: not granted by the browser. Install the app on the home screen to keep data safer.',
  'account.install': 'Install on the home screen',
  'account.signOut': 'Sign out',
  'account.signingOut': 'Signing out…',
  'account.signedOut': 'You signed out. Sent data and tasks were removed from this phone.',
  'account.keptUnsent': '{n} unsent visits are kept.',
  'account.dialogTitle': 'Some visits are not sent yet',
  'account.dialogText':
    '{n} visits are not sent yet. They stay on this phone and are sent after you sign in again. Tasks and sent data are removed.',
  'account.dialogConfirm': 'Sign out, keep the unsent',
  'account.dialogCancel': 'Cancel',

  'storage.low':
    "The phone's storage is nearly full ({free} left). Send the waiting visits or free some space before taking more photos.",

  'error.network': 'The server cannot be reached. Check the signal and try again.',
  'error.generic': 'Something went wrong in the app.',
  'error.quota': 'Storage is full: the data cannot be kept.',
  'error.photoRefused': 'The {kind} photo was refused: {why}',
};

/** The text of `key` in the current language; `{name}` placeholders filled from `vars`. */
export function w(key: FieldKey, vars?: Vars): string {
  const text = (lang() === 'en' ? en : id)[key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}
