import { AppError } from '../shared/errors.ts';

export const MAX_DESCRIPTION_LENGTH = 255;

export function validateDescription(value: string): string {
  const description = value.trim();
  if (description === '')
    throw new AppError(
      'DESCRIPTION_INVALID',
      'Description is empty: give the key a name, e.g. "Acme Harvest API Key"',
      {
        field: 'description',
        facts: { problem: 'empty' },
      },
    );
  if ([...description].length > MAX_DESCRIPTION_LENGTH) {
    throw new AppError('DESCRIPTION_INVALID', `Description is too long: at most ${MAX_DESCRIPTION_LENGTH} characters`, {
      field: 'description',
      facts: { problem: 'too_long', max: MAX_DESCRIPTION_LENGTH },
    });
  }
  if (/[\u0000-\u001f\u007f]/.test(description)) {
    throw new AppError(
      'DESCRIPTION_INVALID',
      'Description contains control characters (line breaks, tabs): use one plain line',
      { field: 'description', facts: { problem: 'control_characters' } },
    );
  }
  return description;
}

/** The seed's default: "<Partner name> Harvest API Key". */
export function defaultDescription(partnerName: string, apiType: string): string {
  return `${partnerName} ${apiType} API Key`;
}
