// Where a household stands, as badges: its lifecycle status and the welfare class the last
// verification gave it (the poorer, the stronger the tone).
import { codeLabel } from '../../i18n';
import { Badge } from '../../ui/bits';

function welfareTone(code: string): string {
  if (code === 'sangat_miskin') return 'strong';
  if (code === 'miskin') return 'warn';
  return 'neutral';
}

export function Standing({
  status,
  welfareClass,
}: {
  status: string;
  welfareClass: string | null | undefined;
}) {
  return (
    <>
      <Badge>{codeLabel('status', status)}</Badge>{' '}
      {welfareClass && (
        <Badge tone={welfareTone(welfareClass)}>{codeLabel('welfare', welfareClass)}</Badge>
      )}
    </>
  );
}
