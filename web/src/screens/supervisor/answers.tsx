// Questionnaire answers as people read them: choice labels, Ya/Tidak, numbers with dots.
import type { Question } from '../../api/types';
import { labelOf, t } from '../../i18n';
import { asText, num } from '../../format';
import type { Names } from '../../ui/reference';

export function answerText(question: Question | undefined, value: unknown, names: Names): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
  if (typeof value === 'number') return num(value);
  const choice = (code: string) => {
    const found = question?.choices?.find((c) => c.code === code);
    if (found) return labelOf(found);
    return question?.name === 'pmks' ? names.pmks(code) : code;
  };
  if (Array.isArray(value))
    return value.length ? value.map((v) => choice(asText(v))).join(', ') : '—';
  return choice(asText(value));
}
