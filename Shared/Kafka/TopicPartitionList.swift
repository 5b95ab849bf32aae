import CRdKafka

/// Converts librdkafka topic-partition lists to Swift values and back.
enum TopicPartitionList {
    static func partitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }

    /// Creates a list; the caller destroys it with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ partitions: [(KafkaTopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(partitions.count, 1)))!
        for (partition, offset) in partitions {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }
}
