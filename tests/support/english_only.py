"""An adapter as it was before agencies could send texts per language: the SDK's servicer with
every localized field (case-type names, number formats' names and descriptions, an invalid
number's structure) taken out of its answers, so tests can check that Caseline falls back to
the English it sends."""

from __future__ import annotations

import grpc

from adapters.sdk import AdapterServicer
from caseline.v1 import agency_adapter_pb2 as pb


class EnglishOnlyServicer(AdapterServicer):
    """Answers with none of the contract's localized fields."""

    async def Describe(self, request: pb.DescribeRequest,
                       context: grpc.aio.ServicerContext[object, object]) -> pb.DescribeResponse:
        response = await super().Describe(request, context)
        for case_type in response.case_types:
            del case_type.names[:]
        for number_format in response.number_formats:
            del number_format.names[:]
            del number_format.descriptions[:]
        return response

    async def LookupCases(self, request: pb.LookupCasesRequest,
                          context: grpc.aio.ServicerContext[object, object]
                          ) -> pb.LookupCasesResponse:
        response = await super().LookupCases(request, context)
        for result in response.results:  # touching the other oneof member would set it
            if result.HasField("case_info"):
                del result.case_info.case_type_names[:]
            else:
                result.error.ClearField("invalid_number")
        return response
