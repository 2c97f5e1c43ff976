{{- define "cases.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{- define "cases.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cases.labels" -}}
app.kubernetes.io/name: {{ include "cases.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "cases.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cases.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cases.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
