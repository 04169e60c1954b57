/**
 * How long the backup container must keep blobs. CloudNativePG recovers to any point in
 * its window (retentionPolicy) from the newest base backup taken before that point, then
 * replays the WAL archived since; at the far end of the window that base backup is up to
 * one schedule interval older than the window. The lifecycle rule must not delete it first.
 */

/**
 * The longest gap between two runs of a six-field cron schedule, in whole days, bounded
 * from above: any day-of-month restriction may leave a month's gap, a weekday one a week,
 * a month restriction a year; otherwise the schedule runs at least daily.
 */
export function baseBackupIntervalDays(schedule: string): number {
  const fields = schedule.trim().split(/\s+/);
  const [dom, month, dow] = [fields[3] ?? "*", fields[4] ?? "*", fields[5] ?? "*"];
  const any = (f: string) => f === "*" || f === "?";
  if (!any(month)) return 366;
  if (!any(dom)) return 31;
  if (!any(dow)) return 7;
  return 1;
}

export interface BackupWindow {
  readonly recoveryWindowDays: number;
  readonly baseBackupIntervalDays: number;
  /** What the lifecycle rule keeps: window + interval + one day for the backup's own run and clock skew. */
  readonly storageRetentionDays: number;
}

export function backupWindow(schedule: string, retentionDays: number): BackupWindow {
  const interval = baseBackupIntervalDays(schedule);
  return { recoveryWindowDays: retentionDays, baseBackupIntervalDays: interval, storageRetentionDays: retentionDays + interval + 1 };
}
