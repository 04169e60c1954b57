{{- define "shop.labels" -}}
app.kubernetes.io/part-of: example-shop
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{- define "shop.image" -}}
{{ .Values.landlord.image }}:{{ .Values.landlord.version }}
{{- end }}

{{- define "shop.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  seccompProfile: { type: RuntimeDefault }
{{- with .Values.landlord.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.landlord.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "shop.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: [ALL] }
{{- end }}

{{- define "shop.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ .Values.landlord.database.secretName }}, key: {{ .Values.landlord.database.uriKey }} }
- name: TENANT
  value: {{ .Values.landlord.tenant | quote }}
{{- range $k, $v := .Values.landlord.featureFlags }}
- name: FEATURE_{{ upper $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}
