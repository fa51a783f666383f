"""Use cases of devices, by module: grants, the audit log (consent rules are pure: ``consent``)."""

from __future__ import annotations

from handshake.devices.audit import ChainProblem as ChainProblem
from handshake.devices.audit import append_audit_entry as append_audit_entry
from handshake.devices.audit import verify_audit as verify_audit
from handshake.devices.audit_log import AuditPage as AuditPage
from handshake.devices.audit_log import maker_access_log as maker_access_log
from handshake.devices.audit_log import read_audit_log as read_audit_log
from handshake.devices.consent_center import SharingOverview as SharingOverview
from handshake.devices.consent_center import details_from_form as details_from_form
from handshake.devices.consent_center import sharing_overview as sharing_overview
from handshake.devices.directives import Caller as Caller
from handshake.devices.directives import DeviceAnswer as DeviceAnswer
from handshake.devices.directives import discover_devices as discover_devices
from handshake.devices.directives import query_state as query_state
from handshake.devices.directives import send_command as send_command
from handshake.devices.discovery import DiscoveryResult as DiscoveryResult
from handshake.devices.discovery import ingest_discovery_event as ingest_discovery_event
from handshake.devices.discovery import is_discovery_event as is_discovery_event
from handshake.devices.discovery import list_devices as list_devices
from handshake.devices.gateway import Ingested as Ingested
from handshake.devices.gateway import ingest_change_report as ingest_change_report
from handshake.devices.grants import GrantView as GrantView
from handshake.devices.grants import enforceable_grant as enforceable_grant
from handshake.devices.grants import get_device_grant as get_device_grant
from handshake.devices.grants import grant_of as grant_of
from handshake.devices.grants import list_device_grants as list_device_grants
from handshake.devices.grants import reconfirm_streaming as reconfirm_streaming
from handshake.devices.grants import revoke_device_grant as revoke_device_grant
from handshake.devices.grants import set_device_grant as set_device_grant
from handshake.devices.maker_endpoints import set_directive_endpoint as set_directive_endpoint
from handshake.devices.personal_data import erase_device_data as erase_device_data
from handshake.devices.personal_data import export_device_data as export_device_data
from handshake.devices.readings import ConsentedSignal as ConsentedSignal
from handshake.devices.readings import TwinView as TwinView
from handshake.devices.readings import consented_signals as consented_signals
from handshake.devices.readings import read_device_history as read_device_history
from handshake.devices.readings import read_device_state as read_device_state
from handshake.devices.readings import read_twin as read_twin
from handshake.devices.receipts import get_receipt as get_receipt
from handshake.devices.receipts import list_receipts as list_receipts
from handshake.devices.receipts import receipt_public_keys as receipt_public_keys
from handshake.devices.receipts import verify_receipt as verify_receipt
from handshake.devices.retention import purge_expired_device_data as purge_expired_device_data
from handshake.devices.streaming import StreamingReview as StreamingReview
from handshake.devices.streaming import review_streaming as review_streaming
