/** Form fragments every app renders inside its own layout (hono/jsx, server-rendered). */

/** The password-change form: current, new and confirmation; posts `current`, `next`, `confirm` and `_csrf`. */
export function PasswordChangeForm(props: { action: string; csrf: string; error?: string | undefined; notice?: string | undefined }) {
  return (
    <>
      {props.error ? <p class="notice error" role="alert">{props.error}</p> : null}
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <form class="stack password-change" method="post" action={props.action}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <label for="current-password">Current password</label>
        <input id="current-password" type="password" name="current" required autocomplete="current-password" />
        <label for="new-password">New password (at least 12 characters)</label>
        <input id="new-password" type="password" name="next" required minlength={12} maxlength={1024} autocomplete="new-password" />
        <label for="confirm-password">New password again</label>
        <input id="confirm-password" type="password" name="confirm" required minlength={12} maxlength={1024} autocomplete="new-password" />
        <button type="submit">Change password</button>
      </form>
    </>
  );
}
