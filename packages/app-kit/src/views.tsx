/** Form fragments every app renders inside the kit's page frame (hono/jsx, server-rendered). */
import { CsrfInput, Field, Flashes } from './look/index.js';

/** The password-change form: current, new and confirmation; posts `current`, `next`, `confirm` and `_csrf` (or `csrfName`). */
export function PasswordChangeForm(props: {
  action: string;
  csrf: string;
  csrfName?: string;
  error?: string | undefined;
  notice?: string | undefined;
}) {
  return (
    <>
      <Flashes error={props.error} notice={props.notice} />
      <form class="card password-change" method="post" action={props.action}>
        <CsrfInput token={props.csrf} {...(props.csrfName ? { name: props.csrfName } : {})} />
        <Field
          label="Current password"
          id="current-password"
          type="password"
          name="current"
          required
          autocomplete="current-password"
        />
        <Field
          label="New password (at least 12 characters)"
          id="new-password"
          type="password"
          name="next"
          required
          minlength={12}
          maxlength={1024}
          autocomplete="new-password"
        />
        <Field
          label="New password again"
          id="confirm-password"
          type="password"
          name="confirm"
          required
          minlength={12}
          maxlength={1024}
          autocomplete="new-password"
        />
        <button type="submit">Change password</button>
      </form>
    </>
  );
}
