// Form fields: each has its <label>, its hint and its errors tied to the input by
// aria-describedby. Forms use noValidate: the server's (and our) messages say what is wrong,
// next to the field, in the reader's language.
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';
import { t } from '../i18n';

interface Common {
  label: string;
  id?: string;
  hint?: string;
  error?: string[] | undefined;
  required?: boolean;
  class?: string;
}

function describedBy(id: string, hint?: string, error?: string[]): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error?.length ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Label({ id, label, required }: { id: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={id}>
      {label}
      {required && <span class="required"> ({t('form.required')})</span>}
    </label>
  );
}

export function Hint({ id, hint }: { id: string; hint?: string | undefined }) {
  return hint ? (
    <p class="hint" id={`${id}-hint`}>
      {hint}
    </p>
  ) : null;
}

export function FieldError({ id, error }: { id: string; error?: string[] | undefined }) {
  if (!error?.length) return null;
  return (
    <p class="field-error" id={`${id}-error`}>
      {error.join(' ')}
    </p>
  );
}

/** The attributes that tie a control to its need, its hint and its errors. */
function controlAria(id: string, { required, hint, error }: Common) {
  return {
    'aria-required': required || undefined,
    'aria-invalid': error?.length ? true : undefined,
    'aria-describedby': describedBy(id, hint, error),
  };
}

/** A labelled control: its label, its hint, the control itself, its errors. */
function Labelled({
  id,
  field,
  children,
}: {
  id: string;
  field: Common;
  children: ComponentChildren;
}) {
  return (
    <div class={`field ${field.class ?? ''}`}>
      <Label id={id} label={field.label} required={field.required} />
      <Hint id={id} hint={field.hint} />
      {children}
      <FieldError id={id} error={field.error} />
    </div>
  );
}

/** The input attributes the forms use (Preact 11 types `type` as a literal union). */
interface InputAttrs {
  type?: 'text' | 'password' | 'date' | 'email' | 'tel' | 'search';
  inputMode?: 'text' | 'numeric' | 'decimal' | 'tel' | 'email';
  autoComplete?: string;
  autoCapitalize?: 'none' | 'off' | 'sentences' | 'words';
  spellcheck?: boolean;
  maxLength?: number;
  max?: string;
  min?: string;
}

export function TextField({
  id: given,
  value,
  onValue,
  type = 'text',
  label,
  hint,
  error,
  required,
  class: cls,
  ...input
}: Common & InputAttrs & { value: string; onValue: (value: string) => void }) {
  const auto = useId();
  const id = given ?? auto;
  const field = { label, hint, error, required, class: cls };
  // Preact 11 types <input> per `type` literal; a union of them does not fit, one literal does
  const inputType = type as 'text';
  return (
    <Labelled id={id} field={field}>
      <input
        id={id}
        type={inputType}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        {...controlAria(id, field)}
        {...input}
      />
    </Labelled>
  );
}

export function TextArea({
  id: given,
  value,
  onValue,
  rows = 3,
  ...field
}: Common & { value: string; onValue: (value: string) => void; rows?: number }) {
  const auto = useId();
  const id = given ?? auto;
  return (
    <Labelled id={id} field={field}>
      <textarea
        id={id}
        rows={rows}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        {...controlAria(id, field)}
      />
    </Labelled>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField({
  id: given,
  value,
  onValue,
  options,
  placeholder,
  disabled,
  ...field
}: Common & {
  value: string;
  onValue: (value: string) => void;
  options: Option[];
  /** The empty first option; omitted when null. */
  placeholder?: string | null;
  disabled?: boolean;
}) {
  const auto = useId();
  const id = given ?? auto;
  return (
    <Labelled id={id} field={field}>
      <select
        id={id}
        value={value}
        disabled={disabled}
        onChange={(e) => onValue(e.currentTarget.value)}
        {...controlAria(id, field)}
      >
        {placeholder !== null && <option value="">{placeholder ?? t('form.choose')}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Labelled>
  );
}

/** A group of radio buttons or checkboxes in a fieldset; its legend is the question. */
export function ChoiceGroup({
  label,
  id: given,
  hint,
  error,
  required,
  options,
  multiple,
  value,
  onValue,
  inline,
}: Common & {
  options: Option[];
  multiple?: boolean;
  value: string[];
  onValue: (value: string[]) => void;
  inline?: boolean;
}) {
  const auto = useId();
  const id = given ?? auto;
  const toggle = (option: string, checked: boolean) => {
    if (!multiple) onValue([option]);
    else onValue(checked ? [...value, option] : value.filter((v) => v !== option));
  };
  return (
    <fieldset
      class={`field choices ${inline ? 'inline' : ''}`}
      id={id}
      tabIndex={-1}
      aria-describedby={describedBy(id, hint, error)}
      aria-invalid={error?.length ? true : undefined}
    >
      <legend>
        {label}
        {required && <span class="required"> ({t('form.required')})</span>}
      </legend>
      <Hint id={id} hint={hint} />
      {options.map((o, i) => (
        <label class="choice" key={o.value}>
          <input
            type={multiple ? 'checkbox' : 'radio'}
            name={id}
            id={i === 0 ? `${id}-first` : undefined}
            value={o.value}
            checked={value.includes(o.value)}
            onChange={(e) => toggle(o.value, e.currentTarget.checked)}
          />{' '}
          {o.label}
        </label>
      ))}
      <FieldError id={id} error={error} />
    </fieldset>
  );
}

export function Checkbox({
  label,
  checked,
  onChecked,
  error,
  id: given,
}: {
  label: ComponentChildren;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  error?: string[] | undefined;
  id?: string;
}) {
  const auto = useId();
  const id = given ?? auto;
  return (
    <div class="field">
      <label class="choice" htmlFor={id}>
        <input
          type="checkbox"
          id={id}
          checked={checked}
          onChange={(e) => onChecked(e.currentTarget.checked)}
          aria-invalid={error?.length ? true : undefined}
          aria-describedby={error?.length ? `${id}-error` : undefined}
        />{' '}
        {label}
      </label>
      <FieldError id={id} error={error} />
    </div>
  );
}

export function FileField({
  id: given,
  accept,
  capture,
  onFile,
  ...field
}: Common & {
  accept: string;
  capture?: 'environment' | 'user';
  onFile: (file: File | null) => void;
}) {
  const auto = useId();
  const id = given ?? auto;
  return (
    <Labelled id={id} field={field}>
      <input
        type="file"
        id={id}
        accept={accept}
        capture={capture}
        onChange={(e) => onFile(e.currentTarget.files?.[0] ?? null)}
        {...controlAria(id, field)}
      />
    </Labelled>
  );
}
