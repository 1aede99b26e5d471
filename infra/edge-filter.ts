import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type aws_apigatewayv2 as apigw,
  aws_cloudfront as cloudfront,
  Duration,
  aws_iam as iam,
  type aws_lambda as lambda,
  aws_cloudfront_origins as origins,
  Stack,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Where the function's source lives: loaded as is by the tests, shipped as is by the stack. */
export const SALE_GATE_SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'edge', 'sale-gate.js');

/** The environment variable that tells a function where to publish sale status (see src/runtime/lambda/config.ts). */
export const EDGE_STATUS_ENV = 'EDGE_STATUS_STORE_ARN';

export interface EdgeFilterProps {
  readonly api: apigw.HttpApi;
  /** Functions that publish sale status: they get the store's ARN and the rights to write it. */
  readonly publishers: readonly lambda.Function[];
}

/**
 * CloudFront in front of the HTTP API. Purchases go through a CloudFront
 * Function that refuses, from a KeyValueStore the app keeps up to date, those
 * that cannot succeed (before the start, sold out); `GET /v1/sales/{id}` is
 * cached for the second its answer allows (Cache-Control from the app);
 * everything else passes uncached, with every viewer header but Host.
 */
export class EdgeFilter extends Construct {
  readonly store: cloudfront.KeyValueStore;
  readonly saleGate: cloudfront.Function;
  readonly saleCachePolicy: cloudfront.CachePolicy;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: EdgeFilterProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.store = new cloudfront.KeyValueStore(this, 'SaleStatus', {
      comment: 'flash sale: per-sale start time and sold-out mark, read at the edge',
    });
    this.saleGate = new cloudfront.Function(this, 'SaleGate', {
      comment: 'refuses purchases before the start and while sold out',
      code: cloudfront.FunctionCode.fromFile({ filePath: SALE_GATE_SOURCE }),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.store,
    });
    // Keyed on Authorization: a signed-in shopper's answer may carry their purchase token, and the
    // app marks such an answer private (never cached); the public one is cached a second.
    this.saleCachePolicy = new cloudfront.CachePolicy(this, 'SaleCache', {
      comment: 'GET /v1/sales/{id}: as long as the app says, at most one second',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    const origin = new origins.HttpOrigin(
      `${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
      { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY },
    );
    // Caching off: CloudFront then forwards Authorization under the all-viewer request policy.
    const passThrough: cloudfront.AddBehaviorOptions = {
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'flash sale API at the edge',
      defaultBehavior: { origin, ...passThrough },
      additionalBehaviors: {
        // First match wins, in this order.
        '/v1/sales/*/purchase': {
          origin,
          ...passThrough,
          functionAssociations: [
            { function: this.saleGate, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
          ],
        },
        // GET and HEAD only: no other method has a route under /v1/sales/{id} but purchase, above.
        '/v1/sales/*': {
          origin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          cachePolicy: this.saleCachePolicy,
        },
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_ALL,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    for (const fn of props.publishers) {
      fn.addEnvironment(EDGE_STATUS_ENV, this.store.keyValueStoreArn);
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: [
            'cloudfront-keyvaluestore:DescribeKeyValueStore',
            'cloudfront-keyvaluestore:GetKey',
            'cloudfront-keyvaluestore:PutKey',
            'cloudfront-keyvaluestore:DeleteKey',
          ],
          resources: [this.store.keyValueStoreArn],
        }),
      );
    }
  }
}
