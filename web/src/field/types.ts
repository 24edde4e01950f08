// What the field app keeps on the phone (IndexedDB) and what /api/v1/sync answers.
import type { LocalText, Questionnaire } from '../api/types';
import type { Answer } from '../screens/verifier/questions';

export interface FieldMember {
  name: string;
  relation: string | null;
  sex: string | null;
  age: number | null;
}

export interface FieldHousehold {
  household_id: number;
  head_name: string | null;
  alamat: string | null;
  rt: string | null;
  rw: string | null;
  desa_code: string | null;
  desa_name: string | null;
  kecamatan_code: string | null;
  kecamatan_name: string | null;
  members: FieldMember[];
}

export interface EarlierPhoto {
  sha256: string;
  kind: string;
  captured_at: string | null;
}

/** GET /sync/tasks: one task as the phone keeps it (no NIK anywhere). */
export interface FieldTask {
  task_id: number;
  state: string;
  reason: string | null;
  due_at: string | null;
  second_visit: boolean;
  household: FieldHousehold;
  earlier_photos: EarlierPhoto[];
}

export interface FieldKeyInfo {
  key_id: string;
  algorithm: string;
  spki: string;
}

export interface SyncTasks {
  verifier: string;
  server_time: string;
  tasks: FieldTask[];
  questionnaire: Questionnaire;
  key: FieldKeyInfo;
  wipe_after_days: number;
}

export interface SealedNik {
  key_id: string;
  ciphertext: string;
}

// --- on the phone -------------------------------------------------------------------------

/** The verifier this phone works for (one at a time); `signedIn` false once the credential
 * ended (sign-out, expiry, an admin): unsent work waits for them. */
export interface Account {
  username: string;
  name: string;
  signedIn: boolean;
  credentialExpiresAt: string | null;
  lastSyncAt: string | null; // the last answer 2xx of the sync endpoints (phone's clock)
  revokePending: boolean; // signed out offline: end the credential on the server when online
}

/** What the visits need, per owner: the form, the key, the wipe rule, the server's clock. */
export interface Work {
  owner: string;
  questionnaire: Questionnaire;
  key: FieldKeyInfo;
  wipeAfterDays: number;
  serverTime: string;
  fetchedAt: string; // phone's clock when the answer arrived
}

export interface StoredTask extends FieldTask {
  owner: string;
  /** Kept only because a draft or an unsent visit names it (no longer in the server's list). */
  stale: boolean;
}

export interface StoredThumb {
  sha256: string;
  owner: string;
  blob: Blob;
}

export interface Fix {
  latitude: number;
  longitude: number;
  accuracy: number;
  at: string;
}

export interface Draft {
  visit_id: string;
  owner: string;
  task_id: number;
  head_name: string | null; // shown while the task itself is not on the phone
  desa_name: string | null;
  started_at: string;
  updated_at: string;
  outcome: string;
  answers: Record<string, Answer>;
  fix: Fix | null;
  nik: SealedNik | null; // only ever the ciphertext
  photo_ids: Record<string, string>; // kind → photo_id
  allow_missing_photos: boolean;
}

export type ItemState = 'draft' | 'waiting' | 'sending' | 'sent' | 'refused';

/** What a visit tells the server of each photo (and the phone keeps beside it). */
export interface PhotoFacts {
  sha256: string;
  kind: string;
  captured_at: string;
  latitude: number | null;
  longitude: number | null;
  exif_time: string | null;
  exif_latitude: number | null;
  exif_longitude: number | null;
}

export interface StoredPhoto extends PhotoFacts {
  photo_id: string;
  visit_id: string;
  owner: string;
  blob: Blob | null; // dropped once the visit is sent
  size: number;
  original_size: number;
  width: number;
  height: number;
  state: ItemState;
  /** A PUT was started: the server may have it (ask with HEAD before sending it again). */
  maybe_on_server: boolean;
  error: LocalText | null;
}

/** POST /sync/visits, without device_clock (set when it is sent). */
export interface VisitBody {
  visit_id: string;
  task_id: number;
  outcome: string;
  started_at: string;
  ended_at: string;
  latitude: number | null;
  longitude: number | null;
  answers?: Record<string, unknown>;
  photos: PhotoFacts[];
  nik: SealedNik | null;
}

export interface VisitResult {
  visit_id: string;
  server_visit_id: number;
  task_id: number;
  status: 'recorded' | 'late';
  late_reason: string | null;
  message: LocalText | null;
  duplicate: boolean;
  received_at: string | null;
}

export interface OutboxVisit {
  visit_id: string;
  owner: string;
  task_id: number;
  head_name: string | null;
  desa_name: string | null;
  created_at: string;
  body: VisitBody | null; // dropped once sent (answers, the sealed NIK)
  photo_ids: string[];
  nik_recorded: boolean;
  state: Exclude<ItemState, 'draft'>;
  attempts: number;
  next_at: number; // epoch ms (phone's clock): not tried before
  error: LocalText | null;
  error_code: string | null;
  result: VisitResult | null;
  sent_at: string | null;
}
