// The questionnaire drawn from its definitions (GET /questionnaire): whatever the server asks,
// in the order it lists, with the input its type needs.
import type { Question } from '../../api/types';
import { labelOf, t } from '../../i18n';
import { num } from '../../format';
import { ChoiceGroup, SelectField, TextField } from '../../ui/fields';

/** What the form holds per question: text as typed, codes, or yes/no (null: not answered). */
export type Answer = string | string[] | boolean | null;

export function emptyAnswer(q: Question): Answer {
  if (q.type === 'multi') return [];
  if (q.type === 'bool') return null;
  return '';
}

const isNumber = (q: Question) => q.type === 'int' || q.type === 'number';
/** Read as Indonesians write: "6.000.000" is six million, "48,5" is 48.5 ("48.5" too). */
function parseNumber(q: Question, text: string): number {
  const plain = text.replace(/\s/g, '');
  if (q.type === 'int') return Number(plain.replace(/\./g, ''));
  if (plain.includes(',')) return Number(plain.replace(/\./g, '').replace(',', '.'));
  return Number((plain.match(/\./g) ?? []).length > 1 ? plain.replace(/\./g, '') : plain);
}

/** The value sent for an answer, or undefined when it is left empty. */
export function answerValue(q: Question, answer: Answer): unknown {
  if (q.type === 'multi') return answer;
  if (q.type === 'bool') return answer === null ? undefined : answer;
  const text = String(answer ?? '').trim();
  if (!text) return undefined;
  if (isNumber(q)) return parseNumber(q, text);
  return text;
}

/** This question's problem before sending (required, whole number, range). */
export function checkAnswer(q: Question, answer: Answer): string | null {
  const value = answerValue(q, answer);
  if (value === undefined) return q.required ? t('form.requiredField') : null;
  if (!isNumber(q)) return null;
  const n = value as number;
  if (!Number.isFinite(n)) return t('visit.notNumber');
  if (q.type === 'int' && !Number.isInteger(n)) return t('visit.notWhole');
  if (q.min !== null && q.min !== undefined && n < q.min)
    return t('visit.min', { min: num(q.min) });
  if (q.max !== null && q.max !== undefined && n > q.max)
    return t('visit.max', { max: num(q.max) });
  return null;
}

export function QuestionField({
  q,
  answer,
  onAnswer,
  error,
}: {
  q: Question;
  answer: Answer;
  onAnswer: (answer: Answer) => void;
  error?: string[] | undefined;
}) {
  const id = `q-${q.name}`;
  const label = labelOf(q);
  const options = (q.choices ?? []).map((c) => ({ value: c.code, label: labelOf(c) }));
  switch (q.type) {
    case 'bool':
      return (
        <ChoiceGroup
          id={id}
          label={label}
          inline
          required={q.required}
          options={[
            { value: 'yes', label: t('common.yes') },
            { value: 'no', label: t('common.no') },
          ]}
          value={answer === null ? [] : [answer ? 'yes' : 'no']}
          onValue={(v) => onAnswer(v[0] === 'yes')}
          error={error}
        />
      );
    case 'multi':
      return (
        <ChoiceGroup
          id={id}
          label={label}
          multiple
          required={false}
          hint={t('visit.multiHint')}
          options={options}
          value={answer as string[]}
          onValue={onAnswer}
          error={error}
        />
      );
    case 'choice':
      return options.length <= 4 ? (
        <ChoiceGroup
          id={id}
          label={label}
          required={q.required}
          options={options}
          value={answer ? [answer as string] : []}
          onValue={(v) => onAnswer(v[0] ?? '')}
          error={error}
        />
      ) : (
        <SelectField
          id={id}
          label={label}
          required={q.required}
          options={options}
          value={answer as string}
          onValue={onAnswer}
          error={error}
        />
      );
    default: {
      const range =
        isNumber(q) &&
        (q.min !== undefined || q.max !== undefined) &&
        (q.min !== null || q.max !== null)
          ? t('visit.range', {
              min: q.min === null || q.min === undefined ? '—' : num(q.min),
              max: q.max === null || q.max === undefined ? '—' : num(q.max),
            })
          : undefined;
      return (
        <TextField
          id={id}
          label={label}
          required={q.required}
          hint={range}
          inputMode={q.type === 'int' ? 'numeric' : q.type === 'number' ? 'decimal' : 'text'}
          value={answer as string}
          onValue={onAnswer}
          error={error}
          class={isNumber(q) ? 'short' : undefined}
        />
      );
    }
  }
}
