// Shapes of the API's answers (docs/web-api.md). Fields the server may leave out are optional.

export type Role = 'admin' | 'supervisor' | 'operator' | 'verifier' | 'opd' | 'viewer';
export const ROLES: readonly Role[] = [
  'admin',
  'supervisor',
  'operator',
  'verifier',
  'opd',
  'viewer',
];

/** A text in both languages, as the API sends messages and labels. */
export interface LocalText {
  id: string;
  en: string;
}

/** Something labelled in both languages (questionnaire fields, flags, explanation lines). */
export interface Labelled {
  label_id: string;
  label_en: string;
}

// --- session -------------------------------------------------------------------------------

export interface Me {
  username: string;
  name: string;
  role: Role;
  kecamatan_codes: string[];
  desa_codes: string[];
  opd_code: string | null;
  area: Record<string, unknown> | null;
  totp_enabled: boolean;
}

export interface Session {
  user: Me;
  csrf_token: string;
  must_change_password: boolean;
  totp_setup_required: boolean;
  idle_timeout_seconds: number;
  expires_at: string;
}

export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
}

// --- reference data ------------------------------------------------------------------------

export interface Desa {
  code: string;
  name: string;
  jenis: string;
}
export interface Kecamatan {
  code: string;
  name: string;
  desa: Desa[];
}
export interface Areas {
  kecamatan: Kecamatan[];
}
export interface Opd {
  code: string;
  name: string;
  abbreviation: string;
}
export interface Pmks {
  code: string;
  name: string;
  english: string;
}

export type QuestionType = 'choice' | 'multi' | 'int' | 'number' | 'bool' | 'text';
export interface Choice extends Labelled {
  code: string;
}
export interface Question extends Labelled {
  name: string;
  type: QuestionType;
  choices?: Choice[];
  required: boolean;
  min?: number | null;
  max?: number | null;
}
export interface PhotoKind extends Labelled {
  code: string;
  required: boolean;
}
export interface Questionnaire {
  fields: Question[];
  photo_kinds: PhotoKind[];
  outcomes: Choice[];
  /** The usual reasons to reject a claim, in both languages (a reason is free text). */
  reject_reasons: LocalText[];
  /** What the rule set finds lacking (a referral's and a decision's reasons), in words. */
  deprivations?: Choice[];
}

// --- households ----------------------------------------------------------------------------

/** Where a value came from: the file (or Pemda entry), its batch and spreadsheet row. */
export interface Provenance {
  source: string;
  filename: string | null;
  batch: number | null;
  row: number | null;
  at?: string | null;
  by?: string | null;
}

/** A row of GET /households (schemas.py HouseholdSummary). */
export interface HouseholdSummary {
  id: number;
  status: string;
  desa_code: string | null;
  kecamatan_code: string | null;
  desil: number | null;
  sources: string[] | null;
  /** How many members. */
  members: number | null;
  head_name: string | null;
  /** Masked: 6408********0003. */
  head_nik: string | null;
  rt: string | null;
  rw: string | null;
  alamat: string | null;
  welfare_class: string | null;
}

export interface Address {
  kecamatan_code?: string | null;
  desa_code?: string | null;
  alamat?: string | null;
  rt?: string | null;
  rw?: string | null;
  dusun?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

/** A member as the registry holds them (its own words: nama, hubungan, ...). */
export interface Member {
  /** Masked. */
  nik: string;
  nama: string | null;
  jenis_kelamin: string | null;
  /** YYYY-MM-DD. */
  tanggal_lahir: string | null;
  hubungan: string | null;
  status_kawin: string | null;
  pmks: string[] | null;
  attributes?: Record<string, unknown> | null;
  no_kk?: string | null;
  kk_since?: string | null;
  provenance: Record<string, Provenance>;
}

/** One side of a conflict: the value and the file, batch and row it came from. */
export interface ConflictSide {
  value: string | null;
  source: string | null;
  filename: string | null;
  batch: number | null;
  row: number | null;
}
/** Two sources disagree on a value (GET /conflicts, and a household's own). */
export interface Conflict {
  id: number;
  household_id: number;
  /** Masked. */
  nik: string | null;
  person_name: string | null;
  field: string;
  status: string;
  kept: ConflictSide;
  other: ConflictSide;
  resolved_value?: string | null;
  resolved_by?: string | null;
}

export interface TimelineMove {
  at: string;
  action: string;
  from_status?: string | null;
  to_status: string;
  actor: string | null;
  reason: string | null;
  welfare_class?: string | null;
}

export interface Household {
  id: number;
  no_kk: string | null;
  status: string;
  in_care_while_not_poor?: boolean;
  welfare_class: string | null;
  verified_at?: string | null;
  address: Address;
  desil: number | null;
  /** What the sources said of the house (their own codes: lantai, atap, luas_lantai, ...). */
  indicators: Record<string, unknown> | null;
  sources: string[] | null;
  provenance: Record<string, Provenance>;
  members: Member[];
  conflicts: Conflict[];
  timeline?: TimelineMove[];
}

export interface StoredPhotoRef {
  sha256: string;
  kind: string | null;
  captured_at?: string | null;
}

export interface ExplanationLine extends Labelled {
  kind: string;
  code: string;
}
export interface FlagRef {
  code: string;
  detail: unknown;
  /** The detail in Bahasa Indonesia (verification's flags; the English one is `detail`). */
  detail_id?: string;
  label_id?: string;
  label_en?: string;
}

interface StoryBase<K extends string, D> {
  at: string | null;
  kind: K;
  actor: string | null;
  detail: D;
}
/** A household's story (services/gateway/domain/story.py): one entry per thing that happened. */
export type StoryEntry =
  | StoryBase<
      'imported',
      {
        source: string;
        batch_id: number;
        filename: string | null;
        row: number | null;
        member: string | null;
      }
    >
  | StoryBase<
      'status',
      {
        from: string | null;
        to: string;
        action: string | null;
        reason: string | null;
        welfare_class: string | null;
      }
    >
  | StoryBase<
      'task',
      {
        task_id: number;
        state: string;
        reason: string | null;
        assignee: string | null;
        due_at: string | null;
      }
    >
  | StoryBase<
      'visit',
      {
        task_id: number;
        visit_id: number;
        outcome: string;
        welfare_class: string | null;
        lat: number | null;
        lng: number | null;
        photos: StoredPhotoRef[];
        flags: FlagRef[];
        late: boolean;
      }
    >
  | StoryBase<
      'decision',
      {
        task_id: number;
        outcome: string;
        welfare_class: string | null;
        needs: string[];
        reasons: string[];
        explanation: ExplanationLine[];
        note: string | null;
      }
    >
  | StoryBase<
      'case',
      {
        case_id: number;
        welfare_class: string | null;
        needs: string[];
        in_care_while_not_poor: boolean;
      }
    >
  | StoryBase<
      'referral',
      {
        referral_id: number;
        opd_code: string;
        need: string;
        programme: string | null;
        state: string;
        receive_by: string | null;
        complete_by: string | null;
        rerouted_from: number | null;
      }
    >
  | StoryBase<
      'referral_status',
      {
        referral_id: number;
        opd_code: string;
        from: string | null;
        to: string;
        note: string | null;
      }
    >
  | StoryBase<'case_resolved', { case_id: number }>
  | StoryBase<'reverification', Record<string, never>>;

export interface Story {
  household_id: number;
  entries: StoryEntry[];
}

/** One member as POST /households takes it (services/gateway/schemas.py MemberEntry). */
export interface MemberEntry {
  nik: string;
  nama: string;
  no_kk?: string | null;
  jenis_kelamin?: string | null;
  tanggal_lahir?: string | null;
  hubungan?: string | null;
  status_kawin?: string | null;
  pmks?: string | null;
  kode_desa: string;
  alamat?: string | null;
  rt?: string | null;
  rw?: string | null;
  dusun?: string | null;
}

// --- verification --------------------------------------------------------------------------

export interface TaskHousehold {
  household_id: number;
  head_name: string | null;
  desa_code: string | null;
  kecamatan_code: string | null;
  rt: string | null;
  rw: string | null;
  alamat: string | null;
  member_count?: number | null;
}

export interface Task {
  task_id: number;
  state: string;
  reason?: string | null;
  assignee: string | null;
  second_assignee: string | null;
  due_at: string | null;
  overdue: boolean;
  flag_count: number;
  /** When the latest visit was submitted (the queue's "oldest first"). */
  submitted_at: string | null;
  /** Visits that came after the task moved on (kept for the supervisor to see). */
  late_visits?: number;
  household: TaskHousehold;
}

export interface VisitPhoto {
  sha256: string;
  kind: string | null;
  captured_at: string | null;
  latitude: number | null;
  longitude: number | null;
  media_type?: string | null;
  /** What the photo's own EXIF said (read on the phone before it compressed the photo). */
  exif_time?: string | null;
  exif_latitude?: number | null;
  exif_longitude?: number | null;
}
export interface VisitFlag extends FlagRef {
  label_id: string;
  label_en: string;
}

export interface VisitDetail {
  visit_id: number;
  verifier: string | null;
  outcome: string;
  started_at: string | null;
  ended_at: string | null;
  submitted_at?: string | null;
  latitude: number | null;
  longitude: number | null;
  answers: Record<string, unknown> | null;
  /** The photos' SHA-256 (photo_details has each one's kind, time and place). */
  photos: string[];
  photo_details: VisitPhoto[];
  flags: VisitFlag[];
  welfare_class: string | null;
  rule_set_version?: string | null;
  explanation: ExplanationLine[];
  /** Came after the task moved on (the phone was offline): kept, decides nothing. */
  late?: boolean;
  late_reason?: string | null;
  late_message?: LocalText | null;
  /** The phone's clock when it sent the visit, the server's receipt, and the difference. */
  device_clock?: string | null;
  received_at?: string | null;
  clock_offset_seconds?: number | null;
  /** The NIK typed from the card at the door against the registry's. */
  nik_check?: 'match' | 'mismatch' | 'absent' | 'unreadable' | null;
}

export interface TaskDecision {
  decision_id: number;
  visit_id: number | null;
  outcome: string;
  welfare_class: string | null;
  needs: { code: string; reasons: string[] }[];
  reasons: string[];
  decided_by: string | null;
  decided_at: string | null;
  note: string | null;
  flags_reviewed?: boolean;
}

export interface TaskTransition {
  at: string;
  from: string | null;
  to: string;
  action: string | null;
  actor: string | null;
  note: string | null;
}

export interface TaskDetail extends Task {
  visits: VisitDetail[];
  transitions: TaskTransition[];
  decisions: TaskDecision[];
  /** What verification was told of the household when the task was made. */
  household_record?: {
    welfare_class: string | null;
    desil: number | null;
    source: string | null;
    pmks: string[] | null;
  } | null;
  /** The household as the registry holds it now (null when it cannot be read). */
  registry: Household | null;
}

export interface Verifier {
  username: string;
  name: string | null;
  kecamatan_codes: string[];
  desa_codes: string[];
  open_tasks: number;
}

export interface TaskReportRow {
  /** The verifier or kecamatan; null for tasks nobody holds. */
  key: string | null;
  name: string | null;
  states: Record<string, number>;
  overdue: number;
}

/** What POST /tasks/{id}/visits answers (schemas.py VisitResult). */
export interface VisitResult {
  visit_id: number;
  task_id: number;
  household_id: number;
  outcome: string;
  welfare_class: string | null;
  flags: FlagRef[];
  duplicate?: boolean;
  photos: { file: string; kind: string; sha256: string }[];
}

// --- referrals -----------------------------------------------------------------------------

export interface ReferralPerson {
  name: string | null;
  nik: string | null;
  age: number | null;
  sex: string | null;
  relation: string | null;
}
export interface ReferralHistory {
  at: string;
  from: string | null;
  to: string;
  action?: string | null;
  actor: string | null;
  note: string | null;
}
export interface ReferralHousehold {
  household_id: number;
  desa_code: string | null;
  kecamatan_code: string | null;
  rt: string | null;
  rw: string | null;
  alamat: string | null;
  head_name: string | null;
  member_count: number | null;
}
/** A referral as the API gives it: Dinsos staff get the record (`state`, `household_id`), an
 * agency what its messages carry (`status`, `household`, `persons`). */
export interface ReferralWire {
  referral_id: number;
  case_id?: number;
  opd_code: string;
  need: string;
  programme?: string | null;
  state?: string;
  status?: string;
  welfare_class?: string | null;
  reasons?: string[] | null;
  household_id?: number;
  household?: ReferralHousehold;
  persons?: ReferralPerson[];
  receive_by: string | null;
  complete_by: string | null;
  evidence_ref?: string | null;
  reason?: string | null;
  note?: string | null;
  rerouted_from?: number | null;
  overdue?: boolean;
  escalated?: string[];
  history?: ReferralHistory[];
}
/** A referral as the screens use it (either view, read the same way: api/referrals.ts). */
export interface Referral {
  referral_id: number;
  state: string;
  need: string;
  opd_code: string;
  programme: string | null;
  created_at: string | null;
  receive_by: string | null;
  complete_by: string | null;
  overdue: boolean;
  household_id: number | null;
  household: ReferralHousehold | null;
  persons: ReferralPerson[];
  reasons: string[];
  evidence_ref: string | null;
  reason: string | null;
  history: ReferralHistory[];
}
export type ReferralTab = 'new' | 'accepted' | 'in_progress' | 'overdue' | 'closed';
export type AgencyStatus = 'accepted' | 'in_progress' | 'completed' | 'rejected';

// --- admin ---------------------------------------------------------------------------------

export interface ImportSummary {
  rows_read: number;
  imported: number;
  merged: number;
  unchanged: number;
  rejected: number;
  warnings: number;
  households_registered: number;
  households_merged: number;
}
/** A row of an import's report (its columns are the registry's Indonesian words). */
export interface ImportProblem {
  baris: number;
  kolom: string | null;
  kode: string;
  tingkat: string | null;
  nilai: string | null;
  alasan: string | null;
  reason: string | null;
}
export type ImportStatus = 'running' | 'completed' | 'failed' | 'duplicate';
export interface ImportDetail {
  batch_id: number;
  source: string | null;
  filename: string | null;
  actor?: string | null;
  status: ImportStatus;
  progress: { stage: string; rows_done: number; rows_total: number | null } | null;
  error: LocalText | null;
  started_at?: string | null;
  finished_at?: string | null;
  summary: ImportSummary | null;
  duplicate_of?: number | null;
  problems_total: number;
  problems: ImportProblem[];
}
/** POST /imports: the import runs in the background (202). */
export interface ImportStarted {
  batch_id: number;
  status: 'running';
  upload: { filename: string | null; sha256: string; size: number; content_type: string };
}
/** A row of GET /imports (schemas.py ImportBatch). */
export interface ImportBatch {
  id: number;
  source: string | null;
  filename: string | null;
  status: string | null;
  actor: string | null;
  started_at: string | null;
  finished_at: string | null;
  rows_read: number | null;
  imported: number | null;
  merged: number | null;
  unchanged?: number | null;
  rejected: number | null;
  households_registered?: number | null;
  duplicate_of?: number | null;
}

/** A row of GET /users. */
export interface UserRow {
  username: string;
  name: string;
  role: Role;
  kecamatan_codes: string[];
  desa_codes: string[];
  opd_code: string | null;
  email: string | null;
  phone: string | null;
  active: boolean;
  totp_enabled: boolean;
  must_change_password: boolean;
  has_password?: boolean;
  locked_until: string | null;
  created_at?: string | null;
  created_by?: string | null;
}
export interface UserInput {
  username?: string;
  name: string;
  role: Role;
  kecamatan_codes: string[];
  desa_codes: string[];
  opd_code: string | null;
  email: string | null;
  phone: string | null;
}
export interface ApiToken {
  id: number;
  username: string;
  label: string | null;
  state: 'live' | 'expired' | 'revoked';
  revoked: boolean;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface RoutingVersion {
  version: number;
  loaded_at: string | null;
  loaded_by: string | null;
  note: string | null;
}
export interface RoutingTable {
  version: number;
  csv: string;
  rules: Record<string, unknown>[];
  versions: RoutingVersion[];
}

// --- reports -------------------------------------------------------------------------------

export interface HouseholdReportRow {
  kecamatan?: string | null;
  kecamatan_name?: string | null;
  desa?: string | null;
  desa_name?: string | null;
  welfare_class?: string | null;
  count: number;
}
export interface HouseholdReport {
  at: string | null;
  group_by: string[];
  total: number;
  rows: HouseholdReportRow[];
}
/** A day's figures per desa (GET /reports/dashboard). */
export interface DashboardRow {
  kecamatan: string | null;
  kecamatan_name: string | null;
  desa: string;
  desa_name: string | null;
  total: number;
  poor: number;
  extreme: number;
}
export interface DashboardDay {
  at: string;
  total: number;
  poor: number;
  extreme: number;
  rows: DashboardRow[];
}
export interface DashboardFigures {
  a: DashboardDay;
  b: DashboardDay;
}
export interface ReferralReport {
  rows: { opd_code: string; state: string; count: number }[];
  overdue: { opd_code: string; count: number }[];
}
export interface VerificationReport {
  rows: { kecamatan_code: string; state: string; count: number }[];
}

/** GET /config.json (optional; absent means no tiles). */
export interface SiteConfig {
  tileUrl?: string;
  tileAttribution?: string;
  tileMaxZoom?: number;
}
