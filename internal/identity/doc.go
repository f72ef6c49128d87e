// Package identity tells approvals who technicians are: which Slack user
// groups and Entra groups they belong to (approvals.GroupResolver, Groups),
// and which Entra user a chat account is (approvals.Identities, People). A
// Teams user's id is their Entra object id; a Slack user is matched to
// Entra by the e-mail address Slack verified. Answers are cached for a
// short time, so a burst of clicks does not become a burst of calls while a
// change in Slack or Entra still takes effect within minutes.
package identity
