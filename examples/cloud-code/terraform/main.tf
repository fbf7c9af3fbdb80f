# An EKS cluster written the way many teams write one: variables with
# defaults, locals, a dynamic block and a registry module.
#
# rampart must find here:
#   cloud/public-endpoint (critical)        the endpoint is public and local.admin_cidrs contains 0.0.0.0/0
#   cloud/no-secrets-encryption (medium)    var.kms_key_arn defaults to "", so the dynamic encryption_config makes no block
#   cloud/control-plane-logging-off (medium) var.log_types defaults to ["api"]: no audit log
#   cloud/legacy-auth (low)                 authentication_mode CONFIG_MAP (aws-auth ConfigMap only)
#   cloud/network-policy-off (medium)       the vpc-cni add-on does not set enableNetworkPolicy
# and report as skipped (not a pass): the module "vpc", which it does not resolve.

variable "cluster_name" {
  type    = string
  default = "shop"
}

variable "kms_key_arn" {
  description = "KMS key for Secrets; empty turns envelope encryption off"
  type        = string
  default     = ""
}

variable "log_types" {
  type    = list(string)
  default = ["api"]
}

locals {
  office_cidrs = ["203.0.113.0/24"]
  # Someone opened it "for the CI runners"...
  admin_cidrs = concat(local.office_cidrs, ["0.0.0.0/0"])
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"
  name    = "${var.cluster_name}-vpc"
}

resource "aws_eks_cluster" "main" {
  name     = var.cluster_name
  role_arn = aws_iam_role.cluster.arn
  version  = "1.33"

  vpc_config {
    subnet_ids              = module.vpc.private_subnets
    endpoint_private_access = true
    endpoint_public_access  = true
    public_access_cidrs     = local.admin_cidrs
  }

  dynamic "encryption_config" {
    for_each = var.kms_key_arn == "" ? [] : [var.kms_key_arn]
    content {
      resources = ["secrets"]
      provider {
        key_arn = encryption_config.value
      }
    }
  }

  enabled_cluster_log_types = var.log_types

  access_config {
    authentication_mode = "CONFIG_MAP"
  }
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = aws_eks_cluster.main.name
  addon_name   = "vpc-cni"
}

resource "aws_iam_role" "cluster" {
  name               = "${var.cluster_name}-cluster"
  assume_role_policy = "{}"
}
