#!/usr/bin/env bash
# Create the Microsoft Entra app registration tapbot signs in with.
#
# Usage: create-app.sh [--cert] [--group-checks] [--no-role-checks]
#                      [--risk-checks] [--target-mail]
#                      [--multi-tenant] [--name NAME] [--secret-days N]
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
#   --risk-checks   OPTIONAL: also request IdentityRiskyUser.Read.All and
#                   UserAuthenticationMethod.Read.All, only needed when the
#                   policy uses risk checks (ID Protection's user risk, which
#                   needs Entra ID P2, and methods registered lately); without
#                   them approvers see those facts as "not checked"
#   --target-mail   OPTIONAL: also request Mail.Send, only needed when the
#                   policy e-mails the user that a pass was created; it lets
#                   the app send as ANY mailbox until an Exchange admin
#                   restricts it with New-ApplicationAccessPolicy
#   --multi-tenant  MSP mode: one app for many customer tenants. Registers
#                   the app for accounts in any organizational directory
#                   (an existing one is changed to that), adds the redirect
#                   URI admin-consent links return to, and prints how each
#                   customer consents
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
multi_tenant=false
target_mail=false

say() { printf '%s\n' "$*" >&2; }
die() { say "create-app.sh: $*"; exit 1; }

usage() {
	sed -n '4,32s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

parse_args() {
	while (($# > 0)); do
		case "$1" in
		--cert) use_cert=true ;;
		--group-checks) permissions+=(GroupMember.Read.All) ;;
		--no-role-checks) role_checks=false ;;
		--risk-checks) permissions+=(IdentityRiskyUser.Read.All UserAuthenticationMethod.Read.All) ;;
		--target-mail) permissions+=(Mail.Send); target_mail=true ;;
		--multi-tenant) multi_tenant=true ;;
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
# cannot tell which one tapbot should use. With --multi-tenant the app is for
# accounts in any organizational directory and lists the redirect URI $1
# (see open_to_customers), whether it is new or not.
ensure_app() {
	local ids create=(--sign-in-audience AzureADMyOrg) kind="single tenant"
	if $multi_tenant; then
		create=(--sign-in-audience AzureADMultipleOrgs --public-client-redirect-uris "$1")
		kind="multi-tenant"
	fi
	# --display-name would match by prefix; the filter matches exactly.
	ids="$(az ad app list --filter "displayName eq '$name'" --query "[].appId" -o tsv)"
	case "$(grep -c . <<<"$ids" || true)" in
	0)
		say "Creating app registration \"$name\" ($kind)."
		az ad app create --display-name "$name" "${create[@]}" --query appId -o tsv
		;;
	1)
		say "Reusing existing app registration \"$name\" ($ids)."
		# This runs in a command substitution, where set -e does not apply.
		if $multi_tenant; then
			open_to_customers "$ids" "$1" || die "could not make \"$name\" multi-tenant; az said why above"
		fi
		printf '%s\n' "$ids"
		;;
	*) die "several app registrations are called \"$name\"; pick another --name" ;;
	esac
}

# open_to_customers turns the existing app $1 into a multi-tenant one and adds
# the redirect URI $2 to its "Mobile and desktop applications" (public
# client) redirect URIs, keeping those it has. Admin-consent links send the
# administrator back to that URI: Entra refuses a link whose redirect_uri the
# app does not list, and one without, for an app with no redirect URI, ends
# in AADSTS900971. It is a redirect only: the app stays a confidential
# client, which gets tokens with its own secret or certificate alone.
open_to_customers() {
	local app_id="$1" redirect="$2" current uri uris=("$2")
	current="$(az ad app show --id "$app_id" --query "publicClient.redirectUris" -o tsv)" || return
	while IFS= read -r uri; do
		[[ -z "$uri" || "$uri" == "$redirect" ]] || uris+=("$uri")
	done < <(tr '\t' '\n' <<<"$current")
	say "Making it multi-tenant (accounts in any organizational directory) with the redirect URI $redirect."
	az ad app update --id "$app_id" --sign-in-audience AzureADMultipleOrgs \
		--public-client-redirect-uris "${uris[@]}" --only-show-errors >/dev/null
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

# url_encode prints $1 percent-encoded for a URL's query, as Go's
# url.QueryEscape does for the ASCII an authority URL holds.
url_encode() {
	local s="$1" out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c="${s:i:1}"
		case "$c" in
		[A-Za-z0-9._~-]) out+="$c" ;;
		*) printf -v c '%%%02X' "'$c"; out+="$c" ;;
		esac
	done
	printf '%s\n' "$out"
}

# consent_url prints the admin-consent link of app $2 for tenant $3 at the
# authority $1, returning to the redirect URI $4: the link tapbot's own
# "tapbot tenants consent-url" builds (graphclient.ConsentURL).
consent_url() {
	printf '%s/%s/adminconsent?client_id=%s&redirect_uri=%s\n' "${1%/}" "$3" "$2" "$(url_encode "$4")"
}

# print_msp_guidance tells how each customer consents to the multi-tenant
# app $2 (authority $1, redirect URI $3, home tenant $4), and what tapbot's
# environment needs in MSP mode.
print_msp_guidance() {
	local authority="$1" app_id="$2" redirect="$3" tenant_id="$4"
	say ""
	say "Done. The app is multi-tenant: tapbot signs in to each customer tenant with it once that customer has consented."
	say "For each customer, a Global Administrator or Privileged Role Administrator of the customer's tenant"
	say "opens this link (with the customer's tenant id in it), signs in and accepts the permissions listed:"
	say "  $(consent_url "$authority" "$app_id" "<customer-tenant-id>" "$redirect")"
	say "Once the customer is in TAPBOT_TENANTS_FILE, 'tapbot tenants consent-url NAME' prints the link for it."
	say "Your own tenant ($tenant_id), if tapbot also works in it, consents the same way:"
	say "  $(consent_url "$authority" "$app_id" "$tenant_id" "$redirect")"
	say ""
	say "MSP mode environment: AZURE_CLIENT_ID and the credential printed above;"
	say "AZURE_TENANT_ID is your home tenant (optional in MSP mode);"
	say "TAPBOT_TENANTS_FILE names the tenants file, one entry per customer (see deploy/tenants.example.yaml)."
	say "Then make sure the Temporary Access Pass policy is enabled in each customer's tenant (see PORTAL.md)."
}

# print_mail_guidance tells how to keep Mail.Send to the one mailbox
# tapbot sends from, for the app $1.
print_mail_guidance() {
	say ""
	say "Mail.Send lets the app send as any mailbox of the tenant. Restrict it to the mailbox tapbot sends from:"
	say "an Exchange administrator puts that mailbox in a mail-enabled security group and runs, in Exchange Online PowerShell,"
	say "  New-ApplicationAccessPolicy -AppId $1 -PolicyScopeGroupId <group address> -AccessRight RestrictAccess"
	say "  Test-ApplicationAccessPolicy -Identity <mailbox address> -AppId $1"
}

main() {
	parse_args "$@"
	command -v az >/dev/null || die "the Azure CLI (az) is not installed"

	local tenant_id app_id authority redirect
	tenant_id="$(az account show --query tenantId -o tsv)" || die "run 'az login --allow-no-subscriptions' first"
	authority="$(az cloud show --query endpoints.activeDirectory -o tsv)"
	# Entra's own page that shows the outcome of a consent: tapbot needs no
	# web endpoint for it (graphclient.ConsentRedirect).
	redirect="${authority%/}/common/oauth2/nativeclient"
	app_id="$(ensure_app "$redirect")"

	add_permissions "$app_id"
	ensure_service_principal "$app_id"

	printf 'AZURE_TENANT_ID=%s\n' "$tenant_id"
	printf 'AZURE_CLIENT_ID=%s\n' "$app_id"
	add_credential "$app_id"
	if $target_mail; then print_mail_guidance "$app_id"; fi

	if $multi_tenant; then
		print_msp_guidance "$authority" "$app_id" "$redirect" "$tenant_id"
		return
	fi
	say ""
	say "Done. A Global Administrator or Privileged Role Administrator must now grant admin consent:"
	say "  ${authority%/}/$tenant_id/adminconsent?client_id=$app_id"
	say "Then make sure the Temporary Access Pass policy is enabled (see PORTAL.md)."
}

main "$@"
