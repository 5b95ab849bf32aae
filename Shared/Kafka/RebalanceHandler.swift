import CRdKafka

/// librdkafka's rebalance callback. On revocation it commits the offsets stored so far (synchronously)
/// before giving the partitions up, so the next owner starts right after the last processed message.
enum RebalanceHandler {
    static let callback: @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { handle, err, partitions, opaque in
        guard let handle, let opaque else { return }
        let state = Unmanaged<ConsumerState>.fromOpaque(opaque).takeUnretainedValue()
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        let changed = TopicPartitionList.partitions(partitions)
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) { rd_kafka_error_destroy(error) }
            } else {
                _ = rd_kafka_assign(handle, partitions)
            }
            state.assigned(changed)
        } else {
            state.revoked(changed)
            _ = rd_kafka_commit(handle, nil, 0)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) { rd_kafka_error_destroy(error) }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        }
    }
}
