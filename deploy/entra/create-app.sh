#!/usr/bin/env bash
# Create the Microsoft Entra app registration tapbot signs in with.
#
# Usage: create-app.sh [--cert] [--group-checks] [--no-role-checks]
#                      [--name NAME] [--secret-days N]
#
#   --cert          create a self-signed certificate credential instead of a
#                   client secret (az writes the PEM, key included, to a file)
#   --group-checks  also request GroupMember.Read.All (group-based policy;
#                   tapbot then also refuses passes for members of listed
#                   requester and approver groups)
#   --no-role-checks  leave out RoleManagement.Read.Directory and
#                   PrivilegedEligibilitySchedule.Read.AzureADGroup; tapbot's
#                   default policy needs them to refuse passes for admin role
#                   holders, active or PIM-eligible
#   --name NAME     display name of the app registration (default: tapbot)
#   --secret-days N client secret lifetime in days (default: 90)
#
# Needs: az (logged in with `az login --allow-no-subscriptions` as someone who
# may create app registrations; for a sovereign cloud run `az cloud set` first).
#
# Output: stdout carries only KEY=VALUE lines for tapbot's environment,
# including the client secret, exactly once. Everything else goes to stderr,
# so `create-app.sh > tapbot-entra.env` captures the credentials and nothing
# else. The secret is never written anywhere by this script; store it in your
# secret manager and do not paste it into tickets or chat.
set -euo pipefail

# Microsoft Graph's application id: the same in every tenant and cloud.
readonly GRAPH_APP_ID=00000003-0000-0000-c000-000000000000

name=tapbot
use_cert=false
secret_days=90
# The least privileged ones: Temporary Access Passes only, and the
# authentication methods policy read-only.
permissions=(UserAuthMethod-TAP.ReadWrite.All User.Read.All Policy.Read.AuthenticationMethod)
role_checks=true

say() { printf '%s\n' "$*" >&2; }
die() { say "create-app.sh: $*"; exit 1; }

usage() {
	sed -n '4,15s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

parse_args() {
	while (($# > 0)); do
		case "$1" in
		--cert) use_cert=true ;;
		--group-checks) permissions+=(GroupMember.Read.All) ;;
		--no-role-checks) role_checks=false ;;
		--name) name="${2:?--name needs a value}"; shift ;;
		--secret-days) secret_days="${2:?--secret-days needs a value}"; shift ;;
		-h | --help) usage ;;
		*) say "unknown argument: $1"; usage ;;
		esac
		shift
	done
	[[ "$secret_days" =~ ^[1-9][0-9]*$ ]] || die "--secret-days must be a positive number of days"
	if $role_checks; then permissions+=(RoleManagement.Read.Directory PrivilegedEligibilitySchedule.Read.AzureADGroup); fi
	# The name goes into an OData filter: letters, digits, space, . _ - only.
	[[ "$name" =~ ^[A-Za-z0-9._\ -]+$ ]] || die "--name may hold only letters, digits, spaces and . _ -"
}

# end_date prints the date N days from now as YYYY-MM-DD (GNU or BSD date).
end_date() {
	date -u -d "+$1 days" +%Y-%m-%d 2>/dev/null || date -u -v "+$1d" +%Y-%m-%d
}

# find_role_id prints the id of the Graph application permission (app role)
# named $1, or nothing when this cloud's Microsoft Graph has none.
find_role_id() {
	az ad sp show --id "$GRAPH_APP_ID" --query "appRoles[?value=='$1'].id | [0]" -o tsv
}

# role_id prints the id of the Graph application permission (app role) named $1.
role_id() {
	local id
	id="$(find_role_id "$1")"
	[[ -n "$id" ]] || die "Microsoft Graph has no application permission named $1"
	printf '%s\n' "$id"
}

# broader_permission prints the broad permission tapbot also works with in
# place of the narrow one $1, if there is one.
broader_permission() {
	case "$1" in
	UserAuthMethod-TAP.ReadWrite.All) echo UserAuthenticationMethod.ReadWrite.All ;;
	Policy.Read.AuthenticationMethod) echo Policy.Read.All ;;
	esac
}

# offered prints $1, or its broader permission where this cloud's Microsoft
# Graph does not offer $1: the narrow permissions are newer than the broad
# ones and may reach a sovereign cloud later.
offered() {
	local broad
	broad="$(broader_permission "$1")"
	if [[ -n "$broad" && -z "$(find_role_id "$1")" ]]; then
		say "Microsoft Graph in this cloud has no $1; requesting the broader $broad instead (tapbot doctor will note it)."
		printf '%s\n' "$broad"
		return
	fi
	printf '%s\n' "$1"
}

# ensure_app prints the appId of the registration called $name, creating it if
# there is none. Several registrations with that name are an error: the script
# cannot tell which one tapbot should use.
ensure_app() {
	local ids
	# --display-name would match by prefix; the filter matches exactly.
	ids="$(az ad app list --filter "displayName eq '$name'" --query "[].appId" -o tsv)"
	case "$(grep -c . <<<"$ids" || true)" in
	0)
		say "Creating app registration \"$name\" (single tenant)."
		az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg --query appId -o tsv
		;;
	1)
		say "Reusing existing app registration \"$name\" ($ids)."
		printf '%s\n' "$ids"
		;;
	*) die "several app registrations are called \"$name\"; pick another --name" ;;
	esac
}

add_permissions() {
	local app_id="$1" perm id grants=()
	for perm in "${permissions[@]}"; do
		perm="$(offered "$perm")"
		id="$(role_id "$perm")"
		grants+=("$id=Role")
		say "Requesting Microsoft Graph application permission $perm."
	done
	az ad app permission add --id "$app_id" --api "$GRAPH_APP_ID" \
		--api-permissions "${grants[@]}" --only-show-errors >/dev/null
}

ensure_service_principal() {
	local app_id="$1"
	if [[ -n "$(az ad sp list --filter "appId eq '$app_id'" --query "[].id" -o tsv)" ]]; then
		return
	fi
	say "Creating the service principal (enterprise application)."
	az ad sp create --id "$app_id" --only-show-errors >/dev/null
}

# add_credential appends (never replaces) a credential and prints its env lines.
add_credential() {
	local app_id="$1" pem secret
	if [[ "$use_cert" == true ]]; then
		say "Creating a self-signed certificate credential valid for one year."
		pem="$(az ad app credential reset --id "$app_id" --append --create-cert --years 1 \
			--display-name "$name" --query fileWithCertAndPrivateKey -o tsv --only-show-errors)"
		say "The PEM file holds the private key: move it into your secret store, then delete it."
		printf 'AZURE_CLIENT_CERTIFICATE_PATH=%s\n' "$pem"
		return
	fi
	say "Creating a client secret valid for $secret_days days."
	secret="$(az ad app credential reset --id "$app_id" --append --display-name "$name" \
		--end-date "$(end_date "$secret_days")" --query password -o tsv --only-show-errors)"
	printf 'AZURE_CLIENT_SECRET=%s\n' "$secret"
}

main() {
	parse_args "$@"
	command -v az >/dev/null || die "the Azure CLI (az) is not installed"

	local tenant_id app_id authority
	tenant_id="$(az account show --query tenantId -o tsv)" || die "run 'az login --allow-no-subscriptions' first"
	authority="$(az cloud show --query endpoints.activeDirectory -o tsv)"
	app_id="$(ensure_app)"

	add_permissions "$app_id"
	ensure_service_principal "$app_id"

	printf 'AZURE_TENANT_ID=%s\n' "$tenant_id"
	printf 'AZURE_CLIENT_ID=%s\n' "$app_id"
	add_credential "$app_id"

	say ""
	say "Done. A Global Administrator or Privileged Role Administrator must now grant admin consent:"
	say "  ${authority%/}/$tenant_id/adminconsent?client_id=$app_id"
	say "Then make sure the Temporary Access Pass policy is enabled (see PORTAL.md)."
}

main "$@"
