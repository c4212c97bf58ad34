// Small pieces every page's tables and selects repeat: a header row of column names, and the
// options of a select from a list of values (with an optional label each).
export function TableHead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

export function Options({ values }: { values: readonly (string | readonly [value: string, label: string])[] }) {
  return (
    <>
      {values.map((v) => {
        const [value, label] = typeof v === 'string' ? [v, v] : v;
        return (
          <option key={value} value={value}>
            {label}
          </option>
        );
      })}
    </>
  );
}
