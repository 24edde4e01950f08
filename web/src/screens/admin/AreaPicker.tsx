// Choose a user's area: whole kecamatan, or single desa inside one.
import type { Kecamatan } from '../../api/types';
import { t } from '../../i18n';
import { num } from '../../format';

export function AreaPicker({
  kecamatan,
  kecamatanCodes,
  desaCodes,
  onChange,
  error,
}: {
  kecamatan: Kecamatan[];
  kecamatanCodes: string[];
  desaCodes: string[];
  onChange: (kecamatanCodes: string[], desaCodes: string[]) => void;
  error?: string[] | undefined;
}) {
  const toggle = (list: string[], code: string, on: boolean) =>
    on ? [...list, code] : list.filter((c) => c !== code);
  return (
    <fieldset
      class="field area-picker"
      id="user-area"
      tabIndex={-1}
      aria-describedby={error?.length ? 'user-area-error' : 'user-area-hint'}
    >
      <legend>{t('users.area')}</legend>
      <p class="hint" id="user-area-hint">
        {t('users.areaHint')}
      </p>
      {kecamatan.map((k) => {
        const whole = kecamatanCodes.includes(k.code);
        const chosen = k.desa.filter((d) => desaCodes.includes(d.code)).length;
        return (
          <details key={k.code} open={whole || chosen > 0}>
            <summary>
              {k.name}
              {whole
                ? ` — ${t('users.wholeKecamatan')}`
                : chosen
                  ? ` — ${t('users.desaChosen', { n: num(chosen) })}`
                  : ''}
            </summary>
            <label class="choice">
              <input
                type="checkbox"
                checked={whole}
                onChange={(e) =>
                  onChange(
                    toggle(kecamatanCodes, k.code, e.currentTarget.checked),
                    desaCodes.filter((d) => !d.startsWith(`${k.code}.`)), // the whole covers its desa
                  )
                }
              />{' '}
              {t('users.wholeOf', { name: k.name })}
            </label>
            <div class="desa-list">
              {k.desa.map((d) => (
                <label class="choice" key={d.code}>
                  <input
                    type="checkbox"
                    disabled={whole}
                    checked={whole || desaCodes.includes(d.code)}
                    onChange={(e) =>
                      onChange(kecamatanCodes, toggle(desaCodes, d.code, e.currentTarget.checked))
                    }
                  />{' '}
                  {d.name}
                </label>
              ))}
            </div>
          </details>
        );
      })}
      {error?.length ? (
        <p class="field-error" id="user-area-error">
          {error.join(' ')}
        </p>
      ) : null}
    </fieldset>
  );
}
