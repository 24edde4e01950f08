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
/** `outcomes` and `reject_reasons`: the contract says `[...]`; read as coded labels. */
export type Coded = Choice;
export interface Questionnaire {
  fields: Question[];
  photo_kinds: PhotoKind[];
  outcomes: Coded[];
  reject_reasons: Coded[];
}

// --- households ----------------------------------------------------------------------------

export interface Provenance {
  source: string;
  batch: number | null;
  row: number | null;
  filename: string | null;
}

export interface HouseholdSummary {
  id: number;
  head_name: string | null;
  no_kk: string | null;
  desa_code: string | null;
  kecamatan_code: string | null;
  rt: string | null;
  rw: string | null;
  alamat: string | null;
  status: string;
  welfare_class: string | null;
  member_count: number | null;
  sources: string[];
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

export interface Member {
  nik: string;
  name: string | null;
  relation: string | null;
  sex: string | null;
  birth_date: string | null;
  age: number | null;
  pmks: string[];
  provenance: Record<string, Provenance>;
}

export interface ConflictValue {
  value: string | null;
  source: string;
  batch_id: number | null;
  row: number | null;
  filename: string | null;
  kept: boolean;
}
export interface Conflict {
  conflict_id: number;
  household_id: number;
  field: string;
  person_name: string | null;
  values: ConflictValue[];
}

export interface StoredPhotoRef {
  sha256: string;
  kind: string;
  captured_at?: string | null;
}

export interface Household {
  id: number;
  no_kk: string | null;
  address: Address;
  status: string;
  welfare_class: string | null;
  members: Member[];
  sources: string[];
  provenance: Record<string, Provenance>;
  conflicts: Conflict[];
  /** Not in the contract yet: the household's photos (else taken from the story's visits). */
  photos?: StoredPhotoRef[];
}

export interface ExplanationLine extends Labelled {
  kind: string;
  code: string;
}
export interface FlagRef {
  code: string;
  detail: unknown;
  label_id?: string;
  label_en?: string;
}

interface StoryBase<K extends string, D> {
  at: string;
  kind: K;
  actor: string | null;
  detail: D;
}
export type StoryEntry =
  | StoryBase<
      'imported',
      { source: string; batch_id: number; filename: string | null; row: number | null }
    >
  | StoryBase<'registered', { source: string }>
  | StoryBase<
      'status',
      { from: string | null; to: string; action: string | null; reason: string | null }
    >
  | StoryBase<
      'task',
      { task_id: number; state: string; assignee: string | null; due_at: string | null }
    >
  | StoryBase<
      'visit',
      {
        visit_id: number;
        verifier: string | null;
        outcome: string;
        lat: number | null;
        lng: number | null;
        photos: StoredPhotoRef[];
        flags: FlagRef[];
      }
    >
  | StoryBase<
      'decision',
      {
        outcome: string;
        welfare_class: string | null;
        reasons: unknown[];
        explanation: ExplanationLine[];
        note: string | null;
        decided_by: string | null;
      }
    >
  | StoryBase<'case', { case_id: number; needs: string[]; in_care_while_not_poor: boolean }>
  | StoryBase<
      'referral',
      {
        referral_id: number;
        opd_code: string;
        need: string;
        state: string;
        receive_by: string | null;
        complete_by: string | null;
      }
    >
  | StoryBase<
      'referral_status',
      {
        referral_id: number;
        opd_code: string;
        from: string | null;
        to: string;
        reason: string | null;
      }
    >
  | StoryBase<'case_resolved', { case_id: number }>
  | StoryBase<'reverification', { task_id: number }>;

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
  assignee: string | null;
  second_assignee: string | null;
  due_at: string | null;
  overdue: boolean;
  flag_count: number;
  /** Not in the contract yet: when the visit was submitted (the queue's "oldest first"). */
  submitted_at?: string | null;
  household: TaskHousehold;
}

export interface VisitPhoto extends StoredPhotoRef {
  lat?: number | null;
  lng?: number | null;
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
  lat: number | null;
  lng: number | null;
  answers: Record<string, unknown> | null;
  photos: VisitPhoto[];
  flags: VisitFlag[];
  welfare_class: string | null;
  explanation: ExplanationLine[];
  late: boolean;
}

export interface TaskDetail extends Task {
  visits: VisitDetail[];
  registry: {
    members: Member[];
    welfare_class: string | null;
    desil: number | null;
    sources: string[];
    /** Not in the contract yet: what the registry held per question (answer codes). */
    indicators?: Record<string, unknown> | null;
  };
  transitions: { at: string; from: string | null; to: string; actor: string | null }[];
}

export interface Verifier {
  username: string;
  name: string;
  kecamatan_codes: string[];
  desa_codes: string[];
  open_tasks: number;
}

export interface TaskReportRow {
  key: string;
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
  actor: string | null;
  reason: string | null;
  note: string | null;
}
export interface Referral {
  referral_id: number;
  state: string;
  need: string;
  opd_code: string;
  programme?: string | null;
  created_at: string | null;
  receive_by: string | null;
  complete_by: string | null;
  overdue: boolean;
  household: {
    household_id: number;
    desa_code: string | null;
    kecamatan_code: string | null;
    rt: string | null;
    rw: string | null;
    alamat: string | null;
    head_name: string | null;
    member_count: number | null;
  };
  persons?: ReferralPerson[];
  reasons: unknown[];
  evidence_ref: string | null;
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
export interface ImportProblem {
  row: number;
  field: string | null;
  code: string;
  severity: string;
  message: LocalText;
  value: string | null;
}
export type ImportStatus = 'running' | 'done' | 'failed' | 'duplicate';
export interface ImportDetail {
  batch_id: number;
  source: string;
  filename: string | null;
  status: ImportStatus;
  progress: { stage: string | null; rows_done: number; rows_total: number | null } | null;
  summary: ImportSummary | null;
  problems: ImportProblem[];
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
  rejected: number | null;
  duplicate_of?: number | null;
}

/** A row of GET /users: the contract gives no shape; read as Me plus contact and state. */
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
  totp_enabled?: boolean;
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
  created_at: string | null;
  expires_at: string | null;
  last_used_at?: string | null;
  revoked?: boolean;
}

export interface RoutingVersion {
  version: number | string;
  installed_at: string | null;
  installed_by: string | null;
  note: string | null;
}
export interface RoutingTable {
  version: number | string;
  rules: Record<string, unknown>[];
  versions: RoutingVersion[];
}

// --- reports -------------------------------------------------------------------------------

export interface HouseholdReportRow {
  kecamatan?: string;
  kecamatan_name?: string;
  desa?: string;
  desa_name?: string;
  count: number;
}
export interface HouseholdReport {
  group_by: string[] | string;
  rows: HouseholdReportRow[];
  total: number;
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
