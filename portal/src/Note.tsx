/** Something the platform is not set up for, said as a note with its fixes rather than as an error. */
export interface NoteText {
  message: string;
  fixes: string[];
}

export function Note({ title, note }: { title: string; note: NoteText }) {
  return (
    <div className="note" role="note">
      <p><strong>{title}.</strong> {note.message}</p>
      {note.fixes.length > 0 ? <ul>{note.fixes.map((f) => <li key={f}>To fix: {f}</li>)}</ul> : null}
    </div>
  );
}
