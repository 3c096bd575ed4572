// Animal fields shown in the table: [API field, heading].
export const COLUMNS = [
  ['id', 'Id'],
  ['nom', 'Nom'],
  ['genere', 'Gènere'],
  ['estat', 'Estat'],
  ['dob', 'Naixement'],
  ['pes', 'Pes (kg)'],
  ['explotacio', 'Explotació'],
];
