{{- /*
The chart uses only Go templates plus toYaml, nindent, quote, default,
include and sha256sum, so deploy/helm_test.go can render it without helm.
*/ -}}

{{- define "tapbot.fullname" -}}
{{ .Release.Name }}
{{- end }}

{{- define "tapbot.selectorLabels" -}}
app.kubernetes.io/name: tapbot
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tapbot.labels" -}}
{{ include "tapbot.selectorLabels" . }}
app.kubernetes.io/version: {{ default .Chart.AppVersion .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}
