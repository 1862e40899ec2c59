/** An instant as `YYYY-MM-DDTHH:mm:ss±HH:MM` in this machine's time zone (the offset it had then). */
export function formatLocalTime(instant: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  const offsetMinutes = -instant.getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return `${instant.getFullYear()}-${pad(instant.getMonth() + 1)}-${pad(instant.getDate())}T${pad(instant.getHours())}:${pad(instant.getMinutes())}:${pad(instant.getSeconds())}${offset}`;
}
