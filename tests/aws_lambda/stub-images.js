'use strict';
// Test-only Serverless plugin (tests/aws_lambda/package.py adds it to a copy of serverless.yml): the models
// image is not built here (no Docker engine, no ECR). Each image function gets a fixed image URI with a
// digest, which Serverless v3 takes as is, without Docker or an AWS call; everything else packages as a
// deploy does.
class StubImages {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:initialize': () => this.stub() };
  }

  stub() {
    const service = this.serverless.service;
    const digest = 'sha256:' + '0'.repeat(64);
    for (const fn of Object.values(service.functions)) {
      if (fn.image) {
        const command = fn.image.command;
        fn.image = { uri: `123456789012.dkr.ecr.ap-southeast-3.amazonaws.com/sapa@${digest}`, command };
      }
    }
    delete service.provider.ecr;
  }
}

module.exports = StubImages;
