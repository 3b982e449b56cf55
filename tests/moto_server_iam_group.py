"""moto_server plus CloudFormation support for AWS::IAM::Group.

moto (checked 5.2.1 and 5.2.5) has no CloudFormation model for
AWS::IAM::Group: it skips the resource with a warning, !Ref yields None, and a
ManagedPolicy with Groups: [!Ref ...] then fails with "Group None not found".
This registers a minimal model (GroupName, Path, ManagedPolicyArns) and then
runs the normal moto_server CLI, e.g.:

    python3 moto_server_iam_group.py -H 127.0.0.1 -p 5000
"""
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.models import iam_backends
from moto.utilities.utils import get_partition


class CfnIamGroup(CloudFormationModel):
    # moto's model metaclass files models by the 2nd part of the module name.
    __module__ = "moto.iam.awsmfa_cfn_group"

    def __init__(self, name: str):
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "GroupName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::IAM::Group"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    @property
    def physical_resource_id(self) -> str:
        return self.name  # Ref of an AWS::IAM::Group is its name

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnIamGroup":
        props = cloudformation_json.get("Properties", {})
        name = props.get("GroupName", resource_name)
        backend = iam_backends[account_id][get_partition(region_name)]
        backend.create_group(name, props.get("Path", "/"))
        for arn in props.get("ManagedPolicyArns", []):
            backend.attach_group_policy(policy_arn=arn, group_name=name)
        obj = cls(name)
        obj._backend = backend
        return obj

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn":
            return self._backend.get_group(self.name).arn
        raise NotImplementedError(attribute_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        iam_backends[account_id][get_partition(region_name)].delete_group(resource_name)


if __name__ == "__main__":
    import moto.cloudformation.parsing as parsing  # noqa: F401  (model cache)
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    from moto.server import main
    main()
