import { useEffect, useState } from 'preact/hooks';
import type { PhotoKind } from '../../api/types';
import { labelOf, t } from '../../i18n';
import { fileSize, time } from '../../format';
import { FileField } from '../../ui/fields';

export interface TakenPhoto {
  blob: Blob;
  preview: string;
  capturedAt: string;
  latitude: number | null;
  longitude: number | null;
}

const LARGE = 2.5 * 1024 * 1024;
const MAX_SIDE = 2048;

/** Large camera pictures are scaled down on the phone: a village link may carry 1,6 Mbps. */
async function prepare(file: File): Promise<Blob> {
  const kept = (file.type === 'image/jpeg' || file.type === 'image/png') && file.size <= LARGE;
  if (kept) return file;
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, 'image/jpeg', 0.85));
    return blob ?? file;
  } catch {
    return file; // cannot decode here (e.g. HEIC): send as taken, the server judges it
  }
}

export function PhotoInput({
  kind,
  required,
  photo,
  onPhoto,
  position,
  error,
}: {
  kind: PhotoKind;
  required: boolean;
  photo: TakenPhoto | undefined;
  onPhoto: (photo: TakenPhoto | undefined) => void;
  position: { latitude: number; longitude: number } | null;
  error?: string[] | undefined;
}) {
  const [busy, setBusy] = useState(false);
  useEffect(() => () => photo && URL.revokeObjectURL(photo.preview), [photo]);

  const take = async (file: File | null) => {
    if (!file) return onPhoto(undefined);
    setBusy(true);
    const blob = await prepare(file);
    setBusy(false);
    onPhoto({
      blob,
      preview: URL.createObjectURL(blob),
      capturedAt: new Date(file.lastModified || Date.now()).toISOString(),
      latitude: position?.latitude ?? null,
      longitude: position?.longitude ?? null,
    });
  };

  return (
    <div class="photo-input">
      <FileField
        id={`photo-${kind.code}`}
        label={labelOf(kind)}
        required={required}
        accept="image/*"
        capture="environment"
        onFile={(f) => void take(f)}
        error={error}
      />
      {busy && <p class="meta">{t('photo.preparing')}</p>}
      {photo && (
        <figure class="preview">
          <img src={photo.preview} alt={t('photo.preview', { kind: labelOf(kind) })} />
          <figcaption class="meta">
            {time(photo.capturedAt)} · {fileSize(photo.blob.size)}
          </figcaption>
        </figure>
      )}
    </div>
  );
}
