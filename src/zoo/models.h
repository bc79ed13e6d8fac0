// Architectures of the built-in zoo, one function per family (see zoo.h for the options).
#pragma once

#include <string>
#include <vector>

#include "zoo/keras_builder.h"
#include "zoo/zoo.h"

namespace respect::zoo {

// The Keras applications classifier: global average pool + dense softmax ("avg_pool",
// "predictions"), when o.include_top; otherwise x unchanged.
KTensor ClassifierHead(KerasBuilder& b, KTensor x, const ZooOptions& o,
                       const std::string& pool_name = "avg_pool");

Result<Graph> ResNet(const std::string& model, const ZooOptions& o, std::vector<int> blocks,
                     bool v2);
Result<Graph> Vgg(const std::string& model, const ZooOptions& o, std::vector<int> convs);
Result<Graph> DenseNet(const std::string& model, const ZooOptions& o, std::vector<int> blocks);
Result<Graph> MobileNetV1(const std::string& model, const ZooOptions& o);
Result<Graph> MobileNetV2(const std::string& model, const ZooOptions& o);
Result<Graph> Xception(const std::string& model, const ZooOptions& o);
Result<Graph> InceptionV3(const std::string& model, const ZooOptions& o);
Result<Graph> SqueezeNet(const std::string& model, const ZooOptions& o);
Result<Graph> InceptionV1(const std::string& model, const ZooOptions& o);
Result<Graph> InceptionV4(const std::string& model, const ZooOptions& o);
Result<Graph> InceptionResNetV2(const std::string& model, const ZooOptions& o);
// NASNet-A Mobile (models_nasnet.cpp), as keras.applications.NASNetMobile.
Result<Graph> NasNetMobile(const std::string& model, const ZooOptions& o);
// RandWire-WS small regime (models_randwire.cpp); o.nodes and o.seed draw the graphs.
Result<Graph> RandWire(const std::string& model, const ZooOptions& o);
// width/depth: the compound-scaling coefficients (S 1.0/1.0, M 1.0/1.1, L 1.2/1.4).
Result<Graph> EfficientNetEdgeTpu(const std::string& model, const ZooOptions& o, double width,
                                  double depth);

}  // namespace respect::zoo
