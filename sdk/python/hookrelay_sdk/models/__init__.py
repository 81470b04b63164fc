"""Contains all the data models used in inputs/outputs"""

from .accepted_view import AcceptedView
from .actor_view import ActorView
from .api_key_view import ApiKeyView
from .api_key_view_status import ApiKeyViewStatus
from .application_view import ApplicationView
from .attempt_view import AttemptView
from .audit_entry_view import AuditEntryView
from .audit_entry_view_summary import AuditEntryViewSummary
from .bulk_replay import BulkReplay
from .channel_view import ChannelView
from .circuit_state_view import CircuitStateView
from .circuit_view import CircuitView
from .create_application import CreateApplication
from .create_channel import CreateChannel
from .create_event_type import CreateEventType
from .create_key import CreateKey
from .create_portal_token import CreatePortalToken
from .create_schedule import CreateSchedule
from .create_schedule_headers import CreateScheduleHeaders
from .create_schedule_payload import CreateSchedulePayload
from .create_webhook import CreateWebhook
from .create_webhook_filter_type_0 import CreateWebhookFilterType0
from .create_webhook_headers import CreateWebhookHeaders
from .data_accepted_view import DataAcceptedView
from .data_accepted_view_data import DataAcceptedViewData
from .data_api_key_view import DataApiKeyView
from .data_api_key_view_data import DataApiKeyViewData
from .data_api_key_view_data_status import DataApiKeyViewDataStatus
from .data_application_view import DataApplicationView
from .data_application_view_data import DataApplicationViewData
from .data_channel_view import DataChannelView
from .data_channel_view_data import DataChannelViewData
from .data_delivery_detail import DataDeliveryDetail
from .data_delivery_detail_data import DataDeliveryDetailData
from .data_delivery_detail_data_request_headers import DataDeliveryDetailDataRequestHeaders
from .data_delivery_view import DataDeliveryView
from .data_delivery_view_data import DataDeliveryViewData
from .data_event_type_view import DataEventTypeView
from .data_event_type_view_data import DataEventTypeViewData
from .data_filter_result import DataFilterResult
from .data_filter_result_data import DataFilterResultData
from .data_magic_link import DataMagicLink
from .data_magic_link_data import DataMagicLinkData
from .data_magic_link_data_scopes_item import DataMagicLinkDataScopesItem
from .data_message_view import DataMessageView
from .data_message_view_data import DataMessageViewData
from .data_portal_delivery_detail import DataPortalDeliveryDetail
from .data_portal_delivery_detail_data import DataPortalDeliveryDetailData
from .data_portal_settings import DataPortalSettings
from .data_portal_settings_data import DataPortalSettingsData
from .data_portal_token_view import DataPortalTokenView
from .data_portal_token_view_data import DataPortalTokenViewData
from .data_portal_token_view_data_scopes_item import DataPortalTokenViewDataScopesItem
from .data_project_view import DataProjectView
from .data_project_view_data import DataProjectViewData
from .data_replay_job_view import DataReplayJobView
from .data_replay_job_view_data import DataReplayJobViewData
from .data_replay_job_view_data_status import DataReplayJobViewDataStatus
from .data_rotated_secret import DataRotatedSecret
from .data_rotated_secret_data import DataRotatedSecretData
from .data_schedule_view import DataScheduleView
from .data_schedule_view_data import DataScheduleViewData
from .data_schedule_view_data_headers import DataScheduleViewDataHeaders
from .data_schedule_view_data_status import DataScheduleViewDataStatus
from .data_sent_message import DataSentMessage
from .data_sent_message_data import DataSentMessageData
from .data_session_view import DataSessionView
from .data_session_view_data import DataSessionViewData
from .data_session_view_data_scopes_item import DataSessionViewDataScopesItem
from .data_signing_secret import DataSigningSecret
from .data_signing_secret_data import DataSigningSecretData
from .data_simulation import DataSimulation
from .data_simulation_data import DataSimulationData
from .data_simulation_data_outcome import DataSimulationDataOutcome
from .data_transformation_view import DataTransformationView
from .data_transformation_view_data import DataTransformationViewData
from .data_usage_report import DataUsageReport
from .data_usage_report_data import DataUsageReportData
from .data_usage_report_data_granularity import DataUsageReportDataGranularity
from .data_vec_refusal_view import DataVecRefusalView
from .data_vec_refusal_view_data_item import DataVecRefusalViewDataItem
from .data_vec_secret_version_view import DataVecSecretVersionView
from .data_vec_secret_version_view_data_item import DataVecSecretVersionViewDataItem
from .data_vec_secret_version_view_data_item_status import DataVecSecretVersionViewDataItemStatus
from .data_vec_transformation_version_view import DataVecTransformationVersionView
from .data_vec_transformation_version_view_data_item import DataVecTransformationVersionViewDataItem
from .data_webhook_view import DataWebhookView
from .data_webhook_view_data import DataWebhookViewData
from .data_webhook_view_data_filter_type_0 import DataWebhookViewDataFilterType0
from .data_webhook_view_data_headers import DataWebhookViewDataHeaders
from .delivery_detail import DeliveryDetail
from .delivery_detail_request_headers import DeliveryDetailRequestHeaders
from .delivery_status import DeliveryStatus
from .delivery_view import DeliveryView
from .destination_kind import DestinationKind
from .error_body import ErrorBody
from .error_detail import ErrorDetail
from .event_type_view import EventTypeView
from .filter_result import FilterResult
from .hmac_algorithm import HmacAlgorithm
from .list_api_key_view import ListApiKeyView
from .list_api_key_view_data_item import ListApiKeyViewDataItem
from .list_api_key_view_data_item_status import ListApiKeyViewDataItemStatus
from .list_application_view import ListApplicationView
from .list_application_view_data_item import ListApplicationViewDataItem
from .list_audit_entry_view import ListAuditEntryView
from .list_audit_entry_view_data_item import ListAuditEntryViewDataItem
from .list_audit_entry_view_data_item_summary import ListAuditEntryViewDataItemSummary
from .list_channel_view import ListChannelView
from .list_channel_view_data_item import ListChannelViewDataItem
from .list_event_type_view import ListEventTypeView
from .list_event_type_view_data_item import ListEventTypeViewDataItem
from .list_message_view import ListMessageView
from .list_message_view_data_item import ListMessageViewDataItem
from .list_portal_token_view import ListPortalTokenView
from .list_portal_token_view_data_item import ListPortalTokenViewDataItem
from .list_portal_token_view_data_item_scopes_item import ListPortalTokenViewDataItemScopesItem
from .list_schedule_view import ListScheduleView
from .list_schedule_view_data_item import ListScheduleViewDataItem
from .list_schedule_view_data_item_headers import ListScheduleViewDataItemHeaders
from .list_schedule_view_data_item_status import ListScheduleViewDataItemStatus
from .list_typed_delivery_view import ListTypedDeliveryView
from .list_typed_delivery_view_data_item import ListTypedDeliveryViewDataItem
from .list_webhook_view import ListWebhookView
from .list_webhook_view_data_item import ListWebhookViewDataItem
from .list_webhook_view_data_item_filter_type_0 import ListWebhookViewDataItemFilterType0
from .list_webhook_view_data_item_headers import ListWebhookViewDataItemHeaders
from .magic_link import MagicLink
from .magic_link_request import MagicLinkRequest
from .magic_link_scopes_item import MagicLinkScopesItem
from .message_delivery import MessageDelivery
from .message_view import MessageView
from .openapi_get_response_200 import OpenapiGetResponse200
from .ordering import Ordering
from .payload_view import PayloadView
from .portal_delivery_detail import PortalDeliveryDetail
from .portal_settings import PortalSettings
from .portal_token_view import PortalTokenView
from .portal_token_view_scopes_item import PortalTokenViewScopesItem
from .project_view import ProjectView
from .refusal_view import RefusalView
from .replay_job_view import ReplayJobView
from .replay_job_view_status import ReplayJobViewStatus
from .replay_options import ReplayOptions
from .role import Role
from .rotate_secret import RotateSecret
from .rotated_secret import RotatedSecret
from .schedule_view import ScheduleView
from .schedule_view_headers import ScheduleViewHeaders
from .schedule_view_status import ScheduleViewStatus
from .secret_kind import SecretKind
from .secret_version_view import SecretVersionView
from .secret_version_view_status import SecretVersionViewStatus
from .send_message import SendMessage
from .sent_message import SentMessage
from .session_view import SessionView
from .session_view_scopes_item import SessionViewScopesItem
from .set_transformation import SetTransformation
from .signature_encoding import SignatureEncoding
from .signing_secret import SigningSecret
from .simulate import Simulate
from .simulated_request import SimulatedRequest
from .simulated_request_headers import SimulatedRequestHeaders
from .simulation import Simulation
from .simulation_failure import SimulationFailure
from .simulation_outcome import SimulationOutcome
from .target_view import TargetView
from .test_filter import TestFilter
from .test_filter_filter import TestFilterFilter
from .test_filter_headers import TestFilterHeaders
from .test_filter_payload import TestFilterPayload
from .tier_limits import TierLimits
from .transformation_version_view import TransformationVersionView
from .transformation_view import TransformationView
from .transformed_request_view import TransformedRequestView
from .transformed_request_view_headers import TransformedRequestViewHeaders
from .typed_delivery_view import TypedDeliveryView
from .update_application import UpdateApplication
from .update_event_type import UpdateEventType
from .update_event_type_schema_type_0 import UpdateEventTypeSchemaType0
from .update_project import UpdateProject
from .update_webhook import UpdateWebhook
from .update_webhook_filter_type_0 import UpdateWebhookFilterType0
from .update_webhook_headers_type_0 import UpdateWebhookHeadersType0
from .usage_bucket_view import UsageBucketView
from .usage_counts import UsageCounts
from .usage_get_granularity import UsageGetGranularity
from .usage_report import UsageReport
from .usage_report_granularity import UsageReportGranularity
from .verification import Verification
from .verification_provider import VerificationProvider
from .webhook_view import WebhookView
from .webhook_view_filter_type_0 import WebhookViewFilterType0
from .webhook_view_headers import WebhookViewHeaders

__all__ = (
    "AcceptedView",
    "ActorView",
    "ApiKeyView",
    "ApiKeyViewStatus",
    "ApplicationView",
    "AttemptView",
    "AuditEntryView",
    "AuditEntryViewSummary",
    "BulkReplay",
    "ChannelView",
    "CircuitStateView",
    "CircuitView",
    "CreateApplication",
    "CreateChannel",
    "CreateEventType",
    "CreateKey",
    "CreatePortalToken",
    "CreateSchedule",
    "CreateScheduleHeaders",
    "CreateSchedulePayload",
    "CreateWebhook",
    "CreateWebhookFilterType0",
    "CreateWebhookHeaders",
    "DataAcceptedView",
    "DataAcceptedViewData",
    "DataApiKeyView",
    "DataApiKeyViewData",
    "DataApiKeyViewDataStatus",
    "DataApplicationView",
    "DataApplicationViewData",
    "DataChannelView",
    "DataChannelViewData",
    "DataDeliveryDetail",
    "DataDeliveryDetailData",
    "DataDeliveryDetailDataRequestHeaders",
    "DataDeliveryView",
    "DataDeliveryViewData",
    "DataEventTypeView",
    "DataEventTypeViewData",
    "DataFilterResult",
    "DataFilterResultData",
    "DataMagicLink",
    "DataMagicLinkData",
    "DataMagicLinkDataScopesItem",
    "DataMessageView",
    "DataMessageViewData",
    "DataPortalDeliveryDetail",
    "DataPortalDeliveryDetailData",
    "DataPortalSettings",
    "DataPortalSettingsData",
    "DataPortalTokenView",
    "DataPortalTokenViewData",
    "DataPortalTokenViewDataScopesItem",
    "DataProjectView",
    "DataProjectViewData",
    "DataReplayJobView",
    "DataReplayJobViewData",
    "DataReplayJobViewDataStatus",
    "DataRotatedSecret",
    "DataRotatedSecretData",
    "DataScheduleView",
    "DataScheduleViewData",
    "DataScheduleViewDataHeaders",
    "DataScheduleViewDataStatus",
    "DataSentMessage",
    "DataSentMessageData",
    "DataSessionView",
    "DataSessionViewData",
    "DataSessionViewDataScopesItem",
    "DataSigningSecret",
    "DataSigningSecretData",
    "DataSimulation",
    "DataSimulationData",
    "DataSimulationDataOutcome",
    "DataTransformationView",
    "DataTransformationViewData",
    "DataUsageReport",
    "DataUsageReportData",
    "DataUsageReportDataGranularity",
    "DataVecRefusalView",
    "DataVecRefusalViewDataItem",
    "DataVecSecretVersionView",
    "DataVecSecretVersionViewDataItem",
    "DataVecSecretVersionViewDataItemStatus",
    "DataVecTransformationVersionView",
    "DataVecTransformationVersionViewDataItem",
    "DataWebhookView",
    "DataWebhookViewData",
    "DataWebhookViewDataFilterType0",
    "DataWebhookViewDataHeaders",
    "DeliveryDetail",
    "DeliveryDetailRequestHeaders",
    "DeliveryStatus",
    "DeliveryView",
    "DestinationKind",
    "ErrorBody",
    "ErrorDetail",
    "EventTypeView",
    "FilterResult",
    "HmacAlgorithm",
    "ListApiKeyView",
    "ListApiKeyViewDataItem",
    "ListApiKeyViewDataItemStatus",
    "ListApplicationView",
    "ListApplicationViewDataItem",
    "ListAuditEntryView",
    "ListAuditEntryViewDataItem",
    "ListAuditEntryViewDataItemSummary",
    "ListChannelView",
    "ListChannelViewDataItem",
    "ListEventTypeView",
    "ListEventTypeViewDataItem",
    "ListMessageView",
    "ListMessageViewDataItem",
    "ListPortalTokenView",
    "ListPortalTokenViewDataItem",
    "ListPortalTokenViewDataItemScopesItem",
    "ListScheduleView",
    "ListScheduleViewDataItem",
    "ListScheduleViewDataItemHeaders",
    "ListScheduleViewDataItemStatus",
    "ListTypedDeliveryView",
    "ListTypedDeliveryViewDataItem",
    "ListWebhookView",
    "ListWebhookViewDataItem",
    "ListWebhookViewDataItemFilterType0",
    "ListWebhookViewDataItemHeaders",
    "MagicLink",
    "MagicLinkRequest",
    "MagicLinkScopesItem",
    "MessageDelivery",
    "MessageView",
    "OpenapiGetResponse200",
    "Ordering",
    "PayloadView",
    "PortalDeliveryDetail",
    "PortalSettings",
    "PortalTokenView",
    "PortalTokenViewScopesItem",
    "ProjectView",
    "RefusalView",
    "ReplayJobView",
    "ReplayJobViewStatus",
    "ReplayOptions",
    "Role",
    "RotatedSecret",
    "RotateSecret",
    "ScheduleView",
    "ScheduleViewHeaders",
    "ScheduleViewStatus",
    "SecretKind",
    "SecretVersionView",
    "SecretVersionViewStatus",
    "SendMessage",
    "SentMessage",
    "SessionView",
    "SessionViewScopesItem",
    "SetTransformation",
    "SignatureEncoding",
    "SigningSecret",
    "Simulate",
    "SimulatedRequest",
    "SimulatedRequestHeaders",
    "Simulation",
    "SimulationFailure",
    "SimulationOutcome",
    "TargetView",
    "TestFilter",
    "TestFilterFilter",
    "TestFilterHeaders",
    "TestFilterPayload",
    "TierLimits",
    "TransformationVersionView",
    "TransformationView",
    "TransformedRequestView",
    "TransformedRequestViewHeaders",
    "TypedDeliveryView",
    "UpdateApplication",
    "UpdateEventType",
    "UpdateEventTypeSchemaType0",
    "UpdateProject",
    "UpdateWebhook",
    "UpdateWebhookFilterType0",
    "UpdateWebhookHeadersType0",
    "UsageBucketView",
    "UsageCounts",
    "UsageGetGranularity",
    "UsageReport",
    "UsageReportGranularity",
    "Verification",
    "VerificationProvider",
    "WebhookView",
    "WebhookViewFilterType0",
    "WebhookViewHeaders",
)
