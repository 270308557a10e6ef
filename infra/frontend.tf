# The static web app: a private bucket that only this CloudFront distribution
# reads, through origin access control.
locals {
  frontend_origins = concat(var.frontend_origins, ["https://${aws_cloudfront_distribution.frontend.domain_name}"])
}

resource "aws_cloudfront_origin_access_control" "frontend" {
  name                              = "${local.prefix}-frontend"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "frontend" {
  name = "${local.prefix}-frontend"
  security_headers_config {
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
  }
}

resource "aws_cloudfront_distribution" "frontend" {
  #checkov:skip=CKV_AWS_68:no WAF: the distribution serves static files only; the API has its own stage throttling
  #checkov:skip=CKV_AWS_86:CloudFront standard logs need an ACL-enabled log bucket; the three buckets all enforce bucket-owner ownership
  #checkov:skip=CKV_AWS_174:TLS 1.2 minimum needs a custom domain certificate; the default *.cloudfront.net certificate is used until a domain is configured
  #checkov:skip=CKV_AWS_310:one origin; static assets are redeployable from the repository
  #checkov:skip=CKV_AWS_374:users work across Nigeria and partner countries; no geo restriction
  #checkov:skip=CKV2_AWS_42:custom certificate not configured (see CKV_AWS_174)
  #checkov:skip=CKV2_AWS_47:no WAF (see CKV_AWS_68)
  enabled             = true
  comment             = "${local.prefix} web app"
  default_root_object = "index.html"
  price_class         = "PriceClass_100"

  origin {
    origin_id                = "frontend"
    domain_name              = module.frontend_bucket.regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.frontend.id
  }

  default_cache_behavior {
    target_origin_id           = "frontend"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = "658327ea-f89d-4fab-a63d-7e88639e58f6" # AWS managed CachingOptimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.frontend.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

data "aws_iam_policy_document" "frontend_read" {
  statement {
    sid       = "CloudFrontReadsFrontend"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.prefix}-frontend/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.frontend.arn]
    }
  }
}
